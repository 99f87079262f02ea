#include "engine/npy.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/file.h"
#include "engine/status.h"

namespace quantsim::engine {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct NpyHeader {
  DType dtype = DType::kF32;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// A tiny parser for the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(absl::string_view text, const std::string& name)
      : s_(text), name_(name) {}

  absl::StatusOr<NpyHeader> Parse() {
    NpyHeader h;
    bool has_descr = false, has_order = false, has_shape = false;
    QS_RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      QS_ASSIGN_OR_RETURN(std::string key, ParseString());
      QS_RETURN_IF_ERROR(Expect(':'));
      if (key == "descr") {
        absl::StatusOr<std::string> descr = ParseString();
        if (!descr.ok()) return descr.status();
        QS_RETURN_IF_ERROR(ParseDescr(*descr, &h));
        has_descr = true;
      } else if (key == "fortran_order") {
        QS_ASSIGN_OR_RETURN(h.fortran_order, ParseBool());
        has_order = true;
      } else if (key == "shape") {
        QS_ASSIGN_OR_RETURN(h.shape, ParseTuple());
        has_shape = true;
      } else {
        return Error(absl::StrCat("unexpected header key '", key, "'"));
      }
      SkipSpace();
      if (Peek() == ',') ++pos_;
    }
    if (!has_descr || !has_order || !has_shape) {
      return Error("header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    return h;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return absl::DataLossError(absl::StrCat(name_, ": malformed .npy header (",
                                            what, ") near offset ", pos_));
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < s_.size() && absl::ascii_isspace(s_[pos_])) ++pos_;
  }
  absl::Status Expect(char c) {
    SkipSpace();
    if (Peek() != c)
      return Error(absl::StrCat("expected '", std::string(1, c), "'"));
    ++pos_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ParseString() {
    SkipSpace();
    const char q = Peek();
    if (q != '\'' && q != '"') return Error("expected a string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == absl::string_view::npos) return Error("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  absl::StatusOr<bool> ParseBool() {
    SkipSpace();
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    return Error("expected True or False");
  }
  absl::StatusOr<std::vector<int64_t>> ParseTuple() {
    QS_RETURN_IF_ERROR(Expect('('));
    std::vector<int64_t> dims;
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return dims;
      }
      size_t end = pos_;
      while (end < s_.size() &&
             (absl::ascii_isdigit(s_[end]) || s_[end] == '-'))
        ++end;
      int64_t d = 0;
      if (end == pos_ || !absl::SimpleAtoi(s_.substr(pos_, end - pos_), &d)) {
        return Error("expected an integer dimension");
      }
      if (d < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(name_, ": negative dimension ", d, " in .npy shape"));
      }
      dims.push_back(d);
      pos_ = end;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        return Error("expected ',' or ')' in shape");
      }
    }
  }
  absl::Status ParseDescr(const std::string& descr, NpyHeader* h) {
    if (descr.size() >= 2 && std::strchr("<>|=", descr[0]) != nullptr) {
      const absl::string_view code = absl::string_view(descr).substr(1);
      for (const DTypeTraits& t : kDTypeTable) {
        if (code == absl::string_view(t.npy_descr).substr(1)) {
          h->dtype = t.dtype;
          h->big_endian = descr[0] == '>' && t.size > 1;
          return absl::OkStatus();
        }
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": unsupported .npy dtype '", descr,
        "' (supported: f4 f2 V2(bf16) f8 i1 u1 i2 u2 i4 u4 i8 b1)"));
  }

  absl::string_view s_;
  const std::string& name_;
  size_t pos_ = 0;
};

void ByteSwap(char* data, size_t count, size_t size) {
  for (size_t i = 0; i < count; ++i)
    std::reverse(data + i * size, data + (i + 1) * size);
}

}  // namespace

absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes,
                                const std::string& name) {
  if (bytes.size() < kMagicLen + 2 ||
      std::memcmp(bytes.data(), kMagic, kMagicLen) != 0) {
    return absl::DataLossError(
        absl::StrCat(name, ": not an .npy file (bad magic)"));
  }
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0, prefix = 0;
  if (major == 1) {
    if (bytes.size() < 10)
      return absl::DataLossError(absl::StrCat(name, ": truncated .npy header"));
    header_len =
        static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return absl::DataLossError(absl::StrCat(name, ": truncated .npy header"));
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<uint8_t>(bytes[8 + i]);
    prefix = 12;
  } else {
    return absl::DataLossError(
        absl::StrCat(name, ": unsupported .npy format version ", major));
  }
  if (header_len > bytes.size() - prefix) {
    return absl::DataLossError(absl::StrCat(name, ": truncated .npy header"));
  }
  QS_ASSIGN_OR_RETURN(
      NpyHeader h,
      HeaderParser(bytes.substr(prefix, header_len), name).Parse());
  absl::StatusOr<Shape> shape = Shape::Create(h.shape);
  if (!shape.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", shape.status().message()));
  }
  const size_t size = DTypeSize(h.dtype);
  const size_t data_bytes = bytes.size() - prefix - header_len;
  const int64_t n = shape->NumElements();
  if (static_cast<uint64_t>(n) > data_bytes / size) {
    return absl::DataLossError(
        absl::StrCat(name, ": data is shorter than its shape ",
                     shape->ToString(), " needs (", data_bytes, " bytes for ",
                     n, " elements of ", DTypeName(h.dtype), ")"));
  }
  // In Fortran order the bytes are the C-order array of the reversed shape.
  std::vector<int64_t> stored = h.shape;
  if (h.fortran_order) std::reverse(stored.begin(), stored.end());
  QS_ASSIGN_OR_RETURN(Tensor t, Tensor::Empty(Shape(stored), h.dtype));
  std::memcpy(t.raw_data(), bytes.data() + prefix + header_len, n * size);
  if (h.big_endian) ByteSwap(static_cast<char*>(t.raw_data()), n, size);
  if (h.dtype == DType::kBool) {
    uint8_t* b = static_cast<uint8_t*>(t.raw_data());
    for (int64_t i = 0; i < n; ++i) b[i] = b[i] != 0;
  }
  if (!h.fortran_order || t.rank() < 2) {
    return t.Reshape(h.shape);
  }
  std::vector<int> perm(t.rank());
  for (int i = 0; i < t.rank(); ++i) perm[i] = t.rank() - 1 - i;
  QS_ASSIGN_OR_RETURN(Tensor view, t.Transpose(perm));
  return view.Clone();
}

absl::StatusOr<Tensor> ReadNpy(const std::string& path) {
  QS_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ParseNpy(bytes, path);
}

absl::StatusOr<std::string> SerializeNpy(const Tensor& tensor) {
  if (!tensor.defined()) {
    return absl::InvalidArgumentError("SerializeNpy: undefined tensor");
  }
  if (!tensor.device().is_cpu()) {
    return absl::InvalidArgumentError("SerializeNpy: tensor is not on the CPU");
  }
  QS_ASSIGN_OR_RETURN(Tensor c, tensor.Contiguous());
  std::string dims = absl::StrJoin(c.shape().dims(), ", ");
  if (c.rank() == 1) dims += ",";
  std::string header =
      absl::StrCat("{'descr': '", DTypeInfo(c.dtype()).npy_descr,
                   "', 'fortran_order': False, 'shape': (", dims, "), }");
  // Pad with spaces so data starts on a 64-byte boundary; end with '\n'.
  size_t prefix = 10;
  size_t total = prefix + header.size() + 1;
  if (total + 63 > 65535 + prefix) prefix = 12;
  total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, kMagicLen);
  out.push_back(prefix == 10 ? 1 : 2);
  out.push_back(0);
  const size_t len = header.size();
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>((len >> 8) & 0xff));
  if (prefix == 12) {
    out.push_back(static_cast<char>((len >> 16) & 0xff));
    out.push_back(static_cast<char>((len >> 24) & 0xff));
  }
  out += header;
  out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  return out;
}

absl::Status WriteNpy(const std::string& path, const Tensor& tensor) {
  QS_ASSIGN_OR_RETURN(std::string bytes, SerializeNpy(tensor));
  return WriteFileAtomic(path, bytes);
}

}  // namespace quantsim::engine
