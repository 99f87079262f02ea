#include "export/qdq/qdq_params.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/status.h"

namespace quantsim::io::qdq_internal {
namespace {

using engine::DType;

absl::StatusOr<std::vector<float>> ReadFloats(const graph::Graph& g,
                                              graph::ValueId id,
                                              const std::string& what,
                                              const std::string& where) {
  const graph::Value& v = g.value(id);
  if (v.kind != graph::ValueKind::kParameter &&
      v.kind != graph::ValueKind::kConstant) {
    return absl::UnimplementedError(
        absl::StrCat(where, ": ", what, " '", v.name,
                     "' is computed at run time; ONNX QDQ export needs it "
                     "as a parameter or constant"));
  }
  if (v.data.dtype() != DType::kF32) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", what, " '", v.name, "' is ",
                     DTypeName(v.data.dtype()), ", expected f32"));
  }
  QS_ASSIGN_OR_RETURN(engine::Tensor t, v.data.Contiguous());
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

absl::StatusOr<kernels::RoundingMode> ParseRounding(const std::string& s,
                                                    const std::string& where) {
  if (s == "half_to_even") return kernels::RoundingMode::kHalfToEven;
  if (s == "half_away_from_zero") {
    return kernels::RoundingMode::kHalfAwayFromZero;
  }
  if (s == "stochastic") return kernels::RoundingMode::kStochastic;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": unknown rounding '", s, "'"));
}

}  // namespace

absl::StatusOr<FakeQuantizeParams> ReadFakeQuantize(const graph::Graph& graph,
                                                    graph::NodeId node) {
  const graph::Node& n = graph.node(node);
  FakeQuantizeParams p;
  p.where = n.Describe();
  const std::string& w = p.where;
  if (n.inputs.size() < 3 || n.inputs[0] == graph::kNoValue ||
      n.inputs[1] == graph::kNoValue || n.inputs[2] == graph::kNoValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(w, ": needs inputs x, scale, zero_point"));
  }
  QS_ASSIGN_OR_RETURN(p.qmin, n.attrs.GetInt("qmin", w));
  QS_ASSIGN_OR_RETURN(p.qmax, n.attrs.GetInt("qmax", w));
  if (p.qmin >= p.qmax) {
    return absl::InvalidArgumentError(
        absl::StrCat(w, ": qmin ", p.qmin, " >= qmax ", p.qmax));
  }
  QS_ASSIGN_OR_RETURN(std::string rounding,
                      n.attrs.GetStringOr("rounding", "half_to_even", w));
  QS_ASSIGN_OR_RETURN(p.rounding, ParseRounding(rounding, w));
  p.per_channel = n.attrs.Has("axis");
  QS_ASSIGN_OR_RETURN(p.axis, n.attrs.GetIntOr("axis", 0, w));
  QS_ASSIGN_OR_RETURN(p.block, n.attrs.GetIntOr("block_size", 1, w));
  if (p.block < 1) {
    return absl::InvalidArgumentError(absl::StrCat(w, ": block_size < 1"));
  }
  QS_ASSIGN_OR_RETURN(p.scale, ReadFloats(graph, n.inputs[1], "scale", w));
  QS_ASSIGN_OR_RETURN(p.zero_point,
                      ReadFloats(graph, n.inputs[2], "zero_point", w));
  if (n.inputs.size() >= 5 && n.inputs[3] != graph::kNoValue &&
      n.inputs[4] != graph::kNoValue) {
    QS_ASSIGN_OR_RETURN(p.clip_lo, ReadFloats(graph, n.inputs[3], "clip", w));
    QS_ASSIGN_OR_RETURN(p.clip_hi, ReadFloats(graph, n.inputs[4], "clip", w));
  }
  p.x_type = graph.value(n.inputs[0]).type;
  const size_t count = p.scale.size();
  if (count == 0 || p.zero_point.size() != count ||
      (!p.clip_lo.empty() &&
       (p.clip_lo.size() != count || p.clip_hi.size() != count))) {
    return absl::InvalidArgumentError(absl::StrCat(
        w, ": scale, zero_point (and clip) sizes differ or are 0"));
  }
  if (!p.per_channel && count != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(w, ": per-tensor quantizer with ", count, " scales"));
  }
  for (size_t i = 0; i < count; ++i) {
    if (!(p.scale[i] > 0.0f) || !std::isfinite(p.scale[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          w, ": scale[", i, "] = ", p.scale[i], " (needs finite > 0)"));
    }
    const float z = p.zero_point[i];
    if (!std::isfinite(z) || z != std::nearbyint(z)) {
      return absl::InvalidArgumentError(
          absl::StrCat(w, ": zero_point[", i, "] = ", z, " is not an integer"));
    }
  }
  if (p.per_channel && p.x_type.IsStatic()) {
    QS_ASSIGN_OR_RETURN(kernels::QdqLayout layout, LayoutFor(p));
    if (layout.NumParams() != static_cast<int64_t>(count)) {
      return absl::InvalidArgumentError(
          absl::StrCat(w, ": ", count, " scales, x ", p.x_type.ToString(),
                       " needs ", layout.NumParams()));
    }
  }
  return p;
}

absl::StatusOr<int> NormalizedAxis(const FakeQuantizeParams& p) {
  if (!p.x_type.has_rank) {
    return absl::UnimplementedError(
        absl::StrCat(p.where, ": the rank of x is unknown"));
  }
  const int rank = static_cast<int>(p.x_type.dims.size());
  const int64_t a = p.axis < 0 ? p.axis + rank : p.axis;
  if (a < 0 || a >= rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        p.where, ": axis ", p.axis, " out of range for rank ", rank));
  }
  return static_cast<int>(a);
}

absl::StatusOr<kernels::QdqLayout> LayoutFor(const FakeQuantizeParams& p) {
  if (!p.x_type.IsStatic()) {
    return absl::UnimplementedError(
        absl::StrCat(p.where, ": x has dynamic dims ", p.x_type.ToString(),
                     "; this form needs them known"));
  }
  int64_t n = 1;
  for (int64_t d : p.x_type.dims) n *= d;
  if (!p.per_channel) return kernels::PerTensorLayout(n);
  QS_ASSIGN_OR_RETURN(int axis, NormalizedAxis(p));
  kernels::QdqLayout l;
  const std::vector<int64_t>& d = p.x_type.dims;
  for (int i = 0; i < axis; ++i) l.outer *= d[i];
  l.axis = d[axis];
  for (size_t i = axis + 1; i < d.size(); ++i) l.inner *= d[i];
  l.block = p.block;
  l.vary_outer = p.block > 1;
  return l;
}

absl::StatusOr<Container> ChooseContainer(const FakeQuantizeParams& p,
                                          bool allow_int32) {
  static constexpr Container kU8{DType::kU8, 0, 255, 8};
  static constexpr Container kI8{DType::kI8, -128, 127, 8};
  static constexpr Container kU16{DType::kU16, 0, 65535, 16};
  static constexpr Container kI16{DType::kI16, -32768, 32767, 16};
  static constexpr Container kI32{DType::kI32, -2147483648LL, 2147483647LL, 32};
  std::vector<Container> order =
      p.qmin < 0 ? std::vector<Container>{kI8, kU8, kI16, kU16}
                 : std::vector<Container>{kU8, kI8, kU16, kI16};
  if (allow_int32) order.push_back(kI32);
  float zmin = p.zero_point[0], zmax = p.zero_point[0];
  for (float z : p.zero_point) {
    zmin = std::min(zmin, z);
    zmax = std::max(zmax, z);
  }
  for (const Container& c : order) {
    // qmax 2^31 - 1 is 2^31 as FakeQuantize's float: accept it for int32.
    const int64_t hi = c.bits == 32 ? c.hi + 1 : c.hi;
    if (p.qmin >= c.lo && p.qmax <= hi && zmin >= c.lo && zmax <= c.hi) {
      return c;
    }
  }
  return absl::UnimplementedError(absl::StrCat(
      p.where, ": grid [", p.qmin, ", ", p.qmax, "] with zero points in [",
      zmin, ", ", zmax, "] fits no ONNX QuantizeLinear container",
      allow_int32 ? ""
                  : " (wider than 16 bits: only parameters export, "
                    "pre-quantized to int32)"));
}

absl::StatusOr<engine::Tensor> IntTensor(const engine::Shape& shape,
                                         engine::DType dtype,
                                         const std::vector<int64_t>& values) {
  QS_ASSIGN_OR_RETURN(engine::Tensor t, engine::Tensor::Empty(shape, dtype));
  const size_t n = values.size();
  switch (dtype) {
    case DType::kU8:
      for (size_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = values[i];
      break;
    case DType::kI8:
      for (size_t i = 0; i < n; ++i) t.data<int8_t>()[i] = values[i];
      break;
    case DType::kU16:
      for (size_t i = 0; i < n; ++i) t.data<uint16_t>()[i] = values[i];
      break;
    case DType::kI16:
      for (size_t i = 0; i < n; ++i) t.data<int16_t>()[i] = values[i];
      break;
    case DType::kI32:
      for (size_t i = 0; i < n; ++i) t.data<int32_t>()[i] = values[i];
      break;
    default:
      return absl::InternalError("IntTensor: not an integer container type");
  }
  return t;
}

}  // namespace quantsim::io::qdq_internal
