// Parser of the 2.0.0 / 2.1.0 layout (spec §5.4): ONNX-style entries with
// output_dtype, y_scale (number, list or nested list), y_zero_point
// (= -offset, default 0), axis, block_size, and LPBQ's per_block_int_scale /
// per_channel_float_scale.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "export/encodings/encodings_internal.h"
#include "quant/encoding.h"

namespace quantsim::io::internal {

using quant::QuantDataType;
using quant::TensorEncodings;

namespace {

// A number, list or list of lists, flattened row-major.
struct Grid {
  int rank = 0;  // 0, 1 or 2
  int64_t rows = 1;
  std::vector<const JsonValue*> items;
};

absl::StatusOr<Grid> Flatten(const JsonFields& f, const JsonValue& v,
                             const std::string& path) {
  Grid g;
  if (v.IsNumber()) {
    g.items.push_back(&v);
    return g;
  }
  if (!v.IsArray()) return f.TypeError(path, "a number or a list", v);
  if (v.Empty()) return f.Error(path, "empty list");
  g.rank = v[0].IsArray() ? 2 : 1;
  g.rows = g.rank == 2 ? v.Size() : 1;
  size_t cols = 0;
  for (rapidjson::SizeType r = 0; r < v.Size(); ++r) {
    const std::string pr = IndexPath(path, r);
    if (g.rank == 1) {
      if (!v[r].IsNumber()) return f.TypeError(pr, "a number", v[r]);
      g.items.push_back(&v[r]);
      continue;
    }
    if (!v[r].IsArray()) return f.TypeError(pr, "a list", v[r]);
    if (r == 0) cols = v[r].Size();
    if (v[r].Size() != cols || cols == 0) {
      return f.Error(pr, absl::StrCat("row of ", v[r].Size(),
                                      " values, expected ", cols, " (> 0)"));
    }
    for (rapidjson::SizeType c = 0; c < cols; ++c) {
      if (!v[r][c].IsNumber()) {
        return f.TypeError(IndexPath(pr, c), "a number", v[r][c]);
      }
      g.items.push_back(&v[r][c]);
    }
  }
  return g;
}

std::string ItemPath(const std::string& path, const Grid& g, size_t i) {
  if (g.rank == 0) return path;
  if (g.rank == 1) return IndexPath(path, i);
  const size_t cols = g.items.size() / g.rows;
  return IndexPath(IndexPath(path, i / cols), i % cols);
}

absl::Status ParseBlockAxis(const JsonFields& f, const JsonValue& v,
                            const std::string& path, TensorEncodings* t,
                            BlockwiseLayout* layout) {
  const JsonValue* field = nullptr;
  QS_ENC_ASSIGN(field, f.Require(v, path, "block_size"));
  QS_ENC_ASSIGN(t->block_size,
                f.IntegerIn(*field, KeyPath(path, "block_size"), 1, INT32_MAX));
  QS_ENC_ASSIGN(field, f.Require(v, path, "axis"));
  QS_ENC_ASSIGN(layout->block_axis,
                f.IntegerIn(*field, KeyPath(path, "axis"), 0, 16));
  t->channel_axis = layout->block_axis == 0 ? 1 : 0;
  return absl::OkStatus();
}

absl::Status ParseLpbq(const JsonFields& f, const JsonValue& v,
                       const std::string& path, TensorEncodings* t,
                       BlockwiseLayout* layout) {
  if (absl::Status s = ParseBlockAxis(f, v, path, t, layout); !s.ok()) return s;
  const JsonValue* field = nullptr;
  Grid k, s;
  const std::string pk = KeyPath(path, "per_block_int_scale");
  const std::string ps = KeyPath(path, "per_channel_float_scale");
  QS_ENC_ASSIGN(field, f.Require(v, path, "per_block_int_scale"));
  QS_ENC_ASSIGN(k, Flatten(f, *field, pk));
  QS_ENC_ASSIGN(field, f.Require(v, path, "per_channel_float_scale"));
  QS_ENC_ASSIGN(s, Flatten(f, *field, ps));
  if (k.rank != 2) return f.Error(pk, "expected [channels][blocks] lists");
  if (s.items.size() != static_cast<size_t>(k.rows)) {
    return f.Error(ps, absl::StrCat(s.items.size(), " channel scales for ",
                                    k.rows, " channels"));
  }
  const int b = t->bitwidth;
  int64_t kmax = 1;
  for (size_t i = 0; i < k.items.size(); ++i) {
    int64_t ki = 0;
    QS_ENC_ASSIGN(ki, f.IntegerIn(*k.items[i], ItemPath(pk, k, i), 1,
                                  int64_t{1} << (31 - b)));
    layout->per_block_int_scale.push_back(ki);
    kmax = std::max(kmax, ki);
  }
  for (size_t c = 0; c < s.items.size(); ++c) {
    double sc = 0;
    QS_ENC_ASSIGN(sc, f.Finite(*s.items[c], ItemPath(ps, s, c)));
    if (!(sc > 0.0)) return f.Error(ItemPath(ps, s, c), "scale <= 0");
    layout->per_channel_scale.push_back(sc);
  }
  // 2.0.0 does not store the decompressed bitwidth: the smallest one whose
  // integer scale range [1, 2^(dbw-b)] holds every k (exact for LPBQ as
  // computed, whose largest block has k = 2^(dbw-b)).
  int extra = 1;
  while ((int64_t{1} << extra) < kmax) ++extra;
  layout->decompressed_bitwidth = b + extra;
  layout->num_channels = k.rows;
  const size_t blocks = k.items.size() / k.rows;
  const int64_t offset = -(int64_t{1} << (b - 1));
  for (size_t i = 0; i < k.items.size(); ++i) {
    const double scale = static_cast<double>(layout->per_block_int_scale[i]) *
                         layout->per_channel_scale[i / blocks];
    t->encodings.push_back(EncodingFromScaleOffset(b, true, scale, offset));
  }
  return absl::OkStatus();
}

absl::Status ParseV2Entry(const JsonFields& f, const JsonValue& v,
                          const std::string& path, TensorEncodings* t,
                          BlockwiseLayout* layout, bool* has_layout) {
  const JsonValue* field = nullptr;
  std::string dtype;
  const std::string pd = KeyPath(path, "output_dtype");
  QS_ENC_ASSIGN(field, f.Require(v, path, "output_dtype"));
  QS_ENC_ASSIGN(dtype, f.String(*field, pd));
  if (dtype == "float16" || dtype == "bfloat16") {
    t->dtype =
        dtype == "float16" ? QuantDataType::kFloat16 : QuantDataType::kBFloat16;
    t->bitwidth = 16;
    return absl::OkStatus();
  }
  if (absl::StartsWith(dtype, "float")) {
    return absl::UnimplementedError(absl::StrCat(
        f.file(), ": ", pd, ": output_dtype \"", dtype, "\" is not supported"));
  }
  const bool is_signed = !absl::StartsWith(dtype, "u");
  int bits = 0;
  if (!absl::StartsWith(dtype, is_signed ? "int" : "uint") ||
      !absl::SimpleAtoi(dtype.substr(is_signed ? 3 : 4), &bits) ||
      (bits != 2 && bits != 4 && bits != 8 && bits != 16 && bits != 32)) {
    return f.Error(pd, absl::StrCat("unknown output_dtype \"", dtype, "\""));
  }
  t->bitwidth = bits;
  if (bits == 32) {
    t->encodings.push_back(PassThroughEncoding());
    return absl::OkStatus();
  }
  QS_ENC_ASSIGN(field, f.Find(v, path, "per_block_int_scale"));
  if (field != nullptr) {
    if (!is_signed) return f.Error(pd, "LPBQ needs a signed output_dtype");
    *has_layout = true;
    return ParseLpbq(f, v, path, t, layout);
  }
  const std::string ps = KeyPath(path, "y_scale");
  QS_ENC_ASSIGN(field, f.Require(v, path, "y_scale"));
  if (field->IsObject()) {
    return absl::UnimplementedError(absl::StrCat(
        f.file(), ": ", ps, ": 2.1.0 meta encodings are not supported"));
  }
  Grid scales, zps;
  QS_ENC_ASSIGN(scales, Flatten(f, *field, ps));
  const std::string pz = KeyPath(path, "y_zero_point");
  QS_ENC_ASSIGN(field, f.Find(v, path, "y_zero_point"));
  if (field != nullptr) {
    QS_ENC_ASSIGN(zps, Flatten(f, *field, pz));
    if (zps.rank != scales.rank || zps.rows != scales.rows ||
        zps.items.size() != scales.items.size()) {
      return f.Error(pz, "shape differs from y_scale");
    }
  }
  if (scales.rank == 2) {
    if (absl::Status s = ParseBlockAxis(f, v, path, t, layout); !s.ok()) {
      return s;
    }
    layout->num_channels = scales.rows;
    *has_layout = true;
  } else if (scales.rank == 1) {
    t->channel_axis = 1;  // ONNX's default axis
    QS_ENC_ASSIGN(field, f.Find(v, path, "axis"));
    if (field != nullptr) {
      QS_ENC_ASSIGN(*t->channel_axis,
                    f.IntegerIn(*field, KeyPath(path, "axis"), 0, 16));
    }
  }
  const quant::IntegerRange range = quant::IntegerRangeFor(bits, is_signed);
  for (size_t i = 0; i < scales.items.size(); ++i) {
    double scale = 0;
    int64_t zp = 0;
    QS_ENC_ASSIGN(scale, f.Finite(*scales.items[i], ItemPath(ps, scales, i)));
    if (!zps.items.empty()) {
      QS_ENC_ASSIGN(zp, f.IntegerIn(*zps.items[i], ItemPath(pz, zps, i),
                                    range.qmin, range.qmax));
    }
    const quant::Encoding e = EncodingFromScaleOffset(
        bits, is_signed && zp == 0, scale, range.qmin - zp);
    if (absl::Status s = CheckLoadedEncoding(f, e, ItemPath(ps, scales, i));
        !s.ok()) {
      return s;
    }
    t->encodings.push_back(e);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseV2(const JsonFields& f, const JsonValue& root,
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
              ParseV2Entry(f, entry, path, &t, &layout, &has_layout);
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
