// Writer of the 2.0.0 layout (spec §5.4): ONNX QuantizeLinear-style entries
// {name, output_dtype, axis?, block_size?, y_scale, y_zero_point?} in the
// order of the spec's example; zero points are -offset.
#include "absl/strings/str_cat.h"
#include "export/encodings/encodings_internal.h"
#include "quant/encoding.h"

namespace quantsim::io::internal {

using quant::TensorEncodings;

namespace {

struct OnnxTensor {
  bool is_signed = false;
  std::vector<double> scales;
  std::vector<int64_t> zero_points;
  bool any_zero_point = false;
};

absl::StatusOr<OnnxTensor> ToOnnx(const TensorEncodings& t) {
  if (t.bitwidth != 2 && t.bitwidth != 4 && t.bitwidth != 8 &&
      t.bitwidth != 16) {
    return TensorError(t.tensor,
                       absl::StrCat("version 2.0.0 has no ", t.bitwidth,
                                    "-bit integer output_dtype (2, 4, 8, 16)"));
  }
  OnnxTensor out;
  for (size_t i = 0; i < t.encodings.size(); ++i) {
    absl::StatusOr<quant::OnnxQuantParams> p =
        quant::ToOnnxQuantParams(t.encodings[i]);
    if (!p.ok()) {
      return TensorError(
          t.tensor, absl::StrCat("encoding ", i, ": ", p.status().message()));
    }
    if (i == 0) out.is_signed = p->is_signed;
    if (p->is_signed != out.is_signed) {
      return TensorError(t.tensor,
                         "channels mix signed and unsigned integer grids");
    }
    out.scales.push_back(p->scale);
    out.zero_points.push_back(p->zero_point);
    out.any_zero_point |= p->zero_point != 0;
  }
  return out;
}

// [[row0...], [row1...]] over `rows` rows.
template <typename T, typename F>
void WriteNested(JsonWriter& w, const std::vector<T>& v, int64_t rows,
                 F write_one) {
  const size_t cols = v.size() / rows;
  w.StartArray();
  for (int64_t r = 0; r < rows; ++r) {
    w.StartArray();
    for (size_t c = 0; c < cols; ++c) write_one(v[r * cols + c]);
    w.EndArray();
  }
  w.EndArray();
}

absl::Status CheckBlockLayout(const Classified& c) {
  const TensorEncodings& t = *c.t;
  if (c.layout == nullptr || c.layout->num_channels <= 0) {
    return TensorError(t.tensor,
                       "version 2.0.0 writes blockwise scales as nested "
                       "[channels][blocks] lists: a BlockwiseLayout with "
                       "num_channels is needed");
  }
  const int block_axis = c.layout->block_axis;
  if (block_axis < 0 || *t.channel_axis != (block_axis == 0 ? 1 : 0)) {
    return TensorError(
        t.tensor,
        absl::StrCat("version 2.0.0 stores only the block axis (", block_axis,
                     "); the channel axis must be ", block_axis == 0 ? 1 : 0,
                     ", got ", *t.channel_axis));
  }
  return absl::OkStatus();
}

absl::Status WriteV2Entry(JsonWriter& w, const Classified& c) {
  const TensorEncodings& t = *c.t;
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, t.tensor);
  WriteKey(w, "output_dtype");
  if (c.kind == EncKind::kFloat) {
    WriteString(
        w, t.dtype == quant::QuantDataType::kBFloat16 ? "bfloat16" : "float16");
    w.EndObject();
    return absl::OkStatus();
  }
  if (c.kind == EncKind::kPassThrough) {
    WriteString(w, "int32");
    w.EndObject();
    return absl::OkStatus();
  }
  if (c.kind == EncKind::kPerBlock || c.kind == EncKind::kLpbq) {
    if (absl::Status s = CheckBlockLayout(c); !s.ok()) return s;
  }
  if (c.kind == EncKind::kLpbq) {
    const BlockwiseLayout& l = *c.layout;
    WriteString(w, absl::StrCat("int", t.bitwidth));
    WriteKey(w, "axis");
    w.Int(l.block_axis);
    WriteKey(w, "block_size");
    w.Int64(t.block_size);
    WriteKey(w, "per_block_int_scale");
    WriteNested(w, l.per_block_int_scale, l.num_channels,
                [&w](int64_t k) { w.Int64(k); });
    WriteKey(w, "per_channel_float_scale");
    WriteNested(w, l.per_channel_scale, l.num_channels,
                [&w](double s) { WriteDouble(w, s); });
    w.EndObject();
    return absl::OkStatus();
  }
  absl::StatusOr<OnnxTensor> onnx = ToOnnx(t);
  if (!onnx.ok()) return onnx.status();
  WriteString(w, absl::StrCat(onnx->is_signed ? "int" : "uint", t.bitwidth));
  auto write_scale = [&w](double s) { WriteDouble(w, s); };
  auto write_zp = [&w](int64_t z) { w.Int64(z); };
  if (c.kind == EncKind::kPerTensor) {
    WriteKey(w, "y_scale");
    WriteDouble(w, onnx->scales[0]);
    if (onnx->any_zero_point) {
      WriteKey(w, "y_zero_point");
      w.Int64(onnx->zero_points[0]);
    }
  } else if (c.kind == EncKind::kPerChannel) {
    WriteKey(w, "axis");
    w.Int(*t.channel_axis);
    WriteKey(w, "y_scale");
    w.StartArray();
    for (double s : onnx->scales) WriteDouble(w, s);
    w.EndArray();
    if (onnx->any_zero_point) {
      WriteKey(w, "y_zero_point");
      w.StartArray();
      for (int64_t z : onnx->zero_points) w.Int64(z);
      w.EndArray();
    }
  } else {  // kPerBlock
    WriteKey(w, "axis");
    w.Int(c.layout->block_axis);
    WriteKey(w, "block_size");
    w.Int64(t.block_size);
    WriteKey(w, "y_scale");
    WriteNested(w, onnx->scales, c.layout->num_channels, write_scale);
    if (onnx->any_zero_point) {
      WriteKey(w, "y_zero_point");
      WriteNested(w, onnx->zero_points, c.layout->num_channels, write_zp);
    }
  }
  w.EndObject();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SerializeV2(
    const quant::EncodingSet& set, const std::vector<Classified>& activations,
    const std::vector<Classified>& params) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.SetIndent(' ', 4);
  w.StartObject();
  WriteKey(w, "version");
  WriteString(w, "2.0.0");
  for (int p = 0; p < 2; ++p) {
    WriteKey(w, p ? "param_encodings" : "activation_encodings");
    w.StartArray();
    for (const Classified& c : p ? params : activations) {
      if (absl::Status s = WriteV2Entry(w, c); !s.ok()) return s;
    }
    w.EndArray();
  }
  if (!set.excluded_layers.empty()) WriteExcludedLayers(w, set);
  WriteQuantizerArgs(w, set, /*sorted=*/false);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace quantsim::io::internal
