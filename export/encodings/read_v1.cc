// Parser of the 1.0.0 layout (spec §5.3): lists of named entries with
// enc_type, bw, is_sym, scale[] and offset[] (legacy offsets, <= 0).
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "export/encodings/encodings_internal.h"
#include "quant/encoding.h"

namespace quantsim::io::internal {

using quant::Encoding;
using quant::QuantDataType;
using quant::TensorEncodings;

namespace {

absl::Status NumberList(const JsonFields& f, const JsonValue& entry,
                        const std::string& path, const char* key,
                        std::vector<double>* out) {
  const JsonValue* v = nullptr;
  QS_ENC_ASSIGN(v, f.Require(entry, path, key));
  const std::string p = KeyPath(path, key);
  if (absl::Status s = f.ExpectArray(*v, p); !s.ok()) return s;
  if (v->Empty()) return f.Error(p, "empty list");
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    double d = 0;
    QS_ENC_ASSIGN(d, f.Finite((*v)[i], IndexPath(p, i)));
    out->push_back(d);
  }
  return absl::OkStatus();
}

absl::Status IntegerList(const JsonFields& f, const JsonValue& entry,
                         const std::string& path, const char* key, int64_t lo,
                         int64_t hi, std::vector<int64_t>* out) {
  const JsonValue* v = nullptr;
  QS_ENC_ASSIGN(v, f.Require(entry, path, key));
  const std::string p = KeyPath(path, key);
  if (absl::Status s = f.ExpectArray(*v, p); !s.ok()) return s;
  if (v->Empty()) return f.Error(p, "empty list");
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    int64_t k = 0;
    QS_ENC_ASSIGN(k, f.IntegerIn((*v)[i], IndexPath(p, i), lo, hi));
    out->push_back(k);
  }
  return absl::OkStatus();
}

absl::Status ParseV1Entry(const JsonFields& f, const JsonValue& v,
                          const std::string& path, TensorEncodings* t,
                          BlockwiseLayout* layout, bool* has_layout) {
  const JsonValue* field = nullptr;
  std::string dtype, enc_type = "PER_TENSOR";
  int64_t bw = 0;
  QS_ENC_ASSIGN(field, f.Require(v, path, "dtype"));
  QS_ENC_ASSIGN(dtype, f.String(*field, KeyPath(path, "dtype")));
  dtype = absl::AsciiStrToUpper(dtype);
  QS_ENC_ASSIGN(field, f.Require(v, path, "bw"));
  QS_ENC_ASSIGN(bw, f.IntegerIn(*field, KeyPath(path, "bw"), 2, 32));
  QS_ENC_ASSIGN(field, f.Find(v, path, "enc_type"));
  if (field != nullptr) {
    QS_ENC_ASSIGN(enc_type, f.String(*field, KeyPath(path, "enc_type")));
  }
  if (dtype == "FLOAT") {
    if (bw != 16) {
      return f.Error(
          KeyPath(path, "bw"),
          absl::StrCat("float bitwidth ", bw, " is not supported (16 only)"));
    }
    t->dtype = QuantDataType::kFloat16;
    t->bitwidth = 16;
    return absl::OkStatus();
  }
  if (dtype != "INT") {
    return f.Error(
        KeyPath(path, "dtype"),
        absl::StrCat("expected \"INT\" or \"FLOAT\", got \"", dtype, "\""));
  }
  t->bitwidth = static_cast<int>(bw);
  if (quant::IsPassThrough(t->bitwidth)) {
    t->encodings.push_back(PassThroughEncoding());
    return absl::OkStatus();
  }
  QS_ENC_ASSIGN(field, f.Find(v, path, "zero_point_shift"));
  if (field != nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        f.file(), ": ", KeyPath(path, "zero_point_shift"),
        ": zero_point_shift (int2 custom grids) is not supported"));
  }
  bool sym = false;
  QS_ENC_ASSIGN(field, f.Require(v, path, "is_sym"));
  QS_ENC_ASSIGN(sym, f.Bool(*field, KeyPath(path, "is_sym")));
  std::vector<double> scale;
  std::vector<int64_t> offset;
  if (absl::Status s = NumberList(f, v, path, "scale", &scale); !s.ok()) {
    return s;
  }
  if (absl::Status s = IntegerList(f, v, path, "offset", INT64_MIN / 2,
                                   INT64_MAX / 2, &offset);
      !s.ok()) {
    return s;
  }
  if (scale.size() != offset.size()) {
    return f.Error(path, absl::StrCat(scale.size(), " scales but ",
                                      offset.size(), " offsets"));
  }
  const bool lpbq = enc_type == "LPBQ";
  if (enc_type == "PER_BLOCK" || lpbq) {
    QS_ENC_ASSIGN(field, f.Require(v, path, "block_size"));
    QS_ENC_ASSIGN(
        t->block_size,
        f.IntegerIn(*field, KeyPath(path, "block_size"), 1, INT32_MAX));
    t->channel_axis = 0;
  } else if (enc_type == "PER_CHANNEL") {
    t->channel_axis = 0;
  } else if (enc_type == "PER_TENSOR") {
    if (scale.size() != 1) {
      return f.Error(
          KeyPath(path, "scale"),
          absl::StrCat("PER_TENSOR needs 1 scale, got ", scale.size()));
    }
  } else if (enc_type == "VECTOR") {
    return absl::UnimplementedError(
        absl::StrCat(f.file(), ": ", KeyPath(path, "enc_type"),
                     ": VECTOR encodings are not supported"));
  } else {
    return f.Error(KeyPath(path, "enc_type"),
                   absl::StrCat("unknown enc_type \"", enc_type, "\""));
  }
  if (!lpbq) {
    for (size_t i = 0; i < scale.size(); ++i) {
      const Encoding e =
          EncodingFromScaleOffset(t->bitwidth, sym, scale[i], offset[i]);
      if (absl::Status s = CheckLoadedEncoding(
              f, e, absl::StrCat(path, " (channel/block ", i, ")"));
          !s.ok()) {
        return s;
      }
      t->encodings.push_back(e);
    }
    return absl::OkStatus();
  }
  // LPBQ: bw is the decompressed bitwidth, compressed_bw the block grid.
  int64_t cbw = 0;
  QS_ENC_ASSIGN(field, f.Require(v, path, "compressed_bw"));
  QS_ENC_ASSIGN(cbw, f.IntegerIn(*field, KeyPath(path, "compressed_bw"), 2,
                                 t->bitwidth - 1));
  if (!sym) return f.Error(KeyPath(path, "is_sym"), "LPBQ must be symmetric");
  const int64_t expected_offset = -(int64_t{1} << (t->bitwidth - 1));
  for (size_t c = 0; c < offset.size(); ++c) {
    if (offset[c] != expected_offset) {
      return f.Error(
          IndexPath(KeyPath(path, "offset"), c),
          absl::StrCat("LPBQ offset ", offset[c], " is not ", expected_offset));
    }
    if (!(scale[c] > 0.0)) {
      return f.Error(IndexPath(KeyPath(path, "scale"), c), "scale <= 0");
    }
  }
  layout->num_channels = static_cast<int64_t>(scale.size());
  layout->block_axis = 1;
  layout->decompressed_bitwidth = t->bitwidth;
  layout->per_channel_scale = scale;
  if (absl::Status s = IntegerList(f, v, path, "per_block_int_scale", 1,
                                   int64_t{1} << (t->bitwidth - cbw),
                                   &layout->per_block_int_scale);
      !s.ok()) {
    return s;
  }
  const size_t n = layout->per_block_int_scale.size();
  if (n % scale.size() != 0) {
    return f.Error(KeyPath(path, "per_block_int_scale"),
                   absl::StrCat(n, " block scales are not a multiple of ",
                                scale.size(), " channels"));
  }
  t->bitwidth = static_cast<int>(cbw);
  const int64_t blocks = static_cast<int64_t>(n / scale.size());
  const int64_t block_offset = -(int64_t{1} << (cbw - 1));
  for (size_t i = 0; i < n; ++i) {
    const double s =
        static_cast<double>(layout->per_block_int_scale[i]) * scale[i / blocks];
    t->encodings.push_back(
        EncodingFromScaleOffset(t->bitwidth, true, s, block_offset));
  }
  *has_layout = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseV1(const JsonFields& f, const JsonValue& root,
                     EncodingsFile* out) {
  for (int p = 0; p < 2; ++p) {
    const char* key = p ? "param_encodings" : "activation_encodings";
    const JsonValue* v = nullptr;
    QS_ENC_ASSIGN(v, f.Require(root, "", key));
    if (absl::Status s = f.ExpectArray(*v, key); !s.ok()) return s;
    std::set<std::string> seen;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const std::string path = IndexPath(key, i);
      const JsonValue& entry = (*v)[i];
      if (absl::Status s = f.ExpectObject(entry, path); !s.ok()) return s;
      const JsonValue* field = nullptr;
      TensorEncodings t;
      QS_ENC_ASSIGN(field, f.Require(entry, path, "name"));
      QS_ENC_ASSIGN(t.tensor, f.String(*field, KeyPath(path, "name")));
      if (absl::Status s = CheckUniqueName(f, &seen, t.tensor, path); !s.ok()) {
        return s;
      }
      t.is_param = p == 1;
      BlockwiseLayout layout;
      bool has_layout = false;
      if (absl::Status s =
              ParseV1Entry(f, entry, path, &t, &layout, &has_layout);
          !s.ok()) {
        return s;
      }
      if (has_layout) out->blockwise[t.tensor] = std::move(layout);
      (p ? out->set.params : out->set.activations).push_back(std::move(t));
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::io::internal
