// PickleWriter and the torch storage-class table.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "export/pth/pickle.h"

namespace quantsim::pth {
namespace {

using engine::DType;

struct StorageName {
  const char* name;
  DType dtype;
};
constexpr StorageName kStorages[] = {
    {"FloatStorage", DType::kF32}, {"DoubleStorage", DType::kF64},
    {"HalfStorage", DType::kF16},  {"BFloat16Storage", DType::kBF16},
    {"LongStorage", DType::kI64},  {"IntStorage", DType::kI32},
    {"ShortStorage", DType::kI16}, {"CharStorage", DType::kI8},
    {"ByteStorage", DType::kU8},   {"BoolStorage", DType::kBool},
};

}  // namespace

bool TorchStorageDType(absl::string_view name, DType* dtype) {
  for (const StorageName& s : kStorages) {
    if (name == s.name) {
      *dtype = s.dtype;
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> TorchStorageName(DType dtype) {
  for (const StorageName& s : kStorages) {
    if (s.dtype == dtype) return std::string(s.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "torch has no storage type for ", engine::DTypeName(dtype),
      " tensors (torch 1.13 stores f32 f64 f16 bf16 i64 i32 i16 i8 u8 bool)"));
}

PickleWriter::PickleWriter() { out_ = "\x80\x02"; }

void PickleWriter::Global(absl::string_view module, absl::string_view name) {
  absl::StrAppend(&out_, "c", module, "\n", name, "\n");
}

void PickleWriter::Int(int64_t v) {
  auto le = [&](uint64_t x, int n) {
    for (int i = 0; i < n; ++i)
      out_.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  if (v >= 0 && v < 256) {
    out_.push_back('K');
    le(v, 1);
  } else if (v >= 0 && v < 65536) {
    out_.push_back('M');
    le(v, 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_.push_back('J');
    le(static_cast<uint32_t>(v), 4);
  } else {  // LONG1: minimal little-endian two's complement
    const uint64_t x = static_cast<uint64_t>(v);
    int n = 8;
    while (n > 1) {
      const uint8_t top = (x >> (8 * (n - 1))) & 0xff,
                    next = (x >> (8 * (n - 2))) & 0xff;
      if ((top == 0 && !(next & 0x80)) || (top == 0xff && (next & 0x80))) {
        --n;
      } else {
        break;
      }
    }
    out_.push_back('\x8a');
    out_.push_back(static_cast<char>(n));
    le(x, n);
  }
}

void PickleWriter::String(absl::string_view s) {
  out_.push_back('X');
  const uint32_t n = s.size();
  for (int i = 0; i < 4; ++i)
    out_.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out_.append(s.data(), s.size());
}

void PickleWriter::IntTuple(const std::vector<int64_t>& v) {
  if (v.empty()) {
    EmptyTuple();
    return;
  }
  if (v.size() > 3) Mark();
  for (int64_t x : v) Int(x);
  out_.push_back(v.size() > 3 ? 't' : static_cast<char>(0x84 + v.size()));
}

std::string PickleWriter::Finish() {
  out_.push_back('.');
  return std::move(out_);
}

}  // namespace quantsim::pth
