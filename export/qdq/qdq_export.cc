// FakeQuantize -> QuantizeLinear + DequantizeLinear (see qdq_export.h).
#include "export/qdq/qdq_export.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "export/qdq/qdq_params.h"
#include "graph/shape_inference.h"
#include "ops/registry.h"

namespace quantsim::io {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::Graph;
using graph::NodeId;
using graph::ValueId;
using qdq_internal::Container;
using qdq_internal::FakeQuantizeParams;

constexpr char kFakeQuantize[] = "FakeQuantize";
constexpr int kQdqOpset = 13;        // per-axis QuantizeLinear
constexpr int kQdq16Opset = 21;      // (u)int16 containers, blockwise
constexpr int kUnknownOpOpset = 17;  // as export/onnx_writer.cc

bool IsConstLike(const graph::Value& v) {
  return v.kind == graph::ValueKind::kParameter ||
         v.kind == graph::ValueKind::kConstant;
}

class Lowering {
 public:
  Lowering(const Graph& src, const QdqExportOptions& options,
           QdqExportInfo& info)
      : src_(src),
        options_(options),
        info_(info),
        registry_(options.registry != nullptr ? *options.registry
                                              : ops::BuiltinOps()) {}

  absl::StatusOr<Graph> Run();

 private:
  std::string Fresh(const std::string& base);
  absl::StatusOr<ValueId> Map(ValueId src_id);
  absl::Status CopyNode(NodeId id);
  absl::Status LowerFakeQuantize(NodeId id);
  // Per-tensor: scalar; per-channel: [C]; blockwise: x's dims with the axis
  // dim divided by the block, parameters repeated over the trailing dims.
  absl::StatusOr<Shape> ParamShape(const FakeQuantizeParams& p,
                                   std::vector<int64_t>* index) const;
  absl::Status AddNarrowClip(const FakeQuantizeParams& p, const Container& c,
                             const std::string& fq_name,
                             const std::string& base, ValueId dq_out,
                             const std::string& out_name);

  const Graph& src_;
  Graph typed_;  // src_ with inferred types
  const QdqExportOptions& options_;
  QdqExportInfo& info_;
  const graph::OpRegistry& registry_;
  Graph dst_;
  std::vector<ValueId> map_;
  std::set<std::string> taken_;
  std::vector<std::vector<std::pair<NodeId, int>>> consumers_;
};

std::string Lowering::Fresh(const std::string& base) {
  std::string name = base;
  for (int i = 1; taken_.count(name) > 0; ++i)
    name = absl::StrCat(base, "_", i);
  taken_.insert(name);
  return name;
}

absl::StatusOr<ValueId> Lowering::Map(ValueId id) {
  if (id == graph::kNoValue) return graph::kNoValue;
  if (map_[id] != graph::kNoValue) return map_[id];
  const graph::Value& v = src_.value(id);
  if (v.kind == graph::ValueKind::kParameter) {
    QS_ASSIGN_OR_RETURN(map_[id],
                        dst_.AddParameter(v.name, v.data, v.trainable));
  } else if (v.kind == graph::ValueKind::kConstant) {
    QS_ASSIGN_OR_RETURN(map_[id], dst_.AddConstant(v.name, v.data));
  } else {
    return absl::InternalError(
        absl::StrCat("value '", v.name, "' used before its producer"));
  }
  return map_[id];
}

absl::Status Lowering::CopyNode(NodeId id) {
  const graph::Node& n = src_.node(id);
  std::vector<ValueId> inputs;
  for (ValueId in : n.inputs) {
    QS_ASSIGN_OR_RETURN(ValueId m, Map(in));
    inputs.push_back(m);
  }
  std::vector<std::string> names;
  for (ValueId o : n.outputs) names.push_back(src_.value(o).name);
  QS_ASSIGN_OR_RETURN(
      std::vector<ValueId> outs,
      dst_.AddNode(n.op_type, inputs, n.attrs,
                   static_cast<int>(n.outputs.size()), n.name, names));
  for (size_t i = 0; i < outs.size(); ++i) {
    map_[n.outputs[i]] = outs[i];
    dst_.mutable_value(outs[i]).type = typed_.value(n.outputs[i]).type;
  }
  absl::StatusOr<const graph::OpDef*> def = registry_.Find(n.op_type);
  if (def.ok() && !(*def)->onnx.op_type.empty() &&
      ((*def)->onnx.domain.empty() || (*def)->onnx.domain == "ai.onnx")) {
    info_.opset = std::max(info_.opset, (*def)->onnx.min_opset);
  } else if (!def.ok() && n.op_type.find('.') == std::string::npos) {
    info_.opset = std::max(info_.opset, kUnknownOpOpset);
  }
  return absl::OkStatus();
}

absl::StatusOr<Shape> Lowering::ParamShape(const FakeQuantizeParams& p,
                                           std::vector<int64_t>* index) const {
  index->clear();
  if (!p.per_channel) {
    index->push_back(0);
    return Shape();
  }
  if (p.block == 1) {
    for (size_t i = 0; i < p.scale.size(); ++i) index->push_back(i);
    return Shape({static_cast<int64_t>(p.scale.size())});
  }
  QS_ASSIGN_OR_RETURN(int axis, qdq_internal::NormalizedAxis(p));
  QS_ASSIGN_OR_RETURN(kernels::QdqLayout l, qdq_internal::LayoutFor(p));
  std::vector<int64_t> dims = p.x_type.dims;
  dims[axis] = l.AxisBlocks();
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t b = 0; b < l.AxisBlocks(); ++b) {
      for (int64_t i = 0; i < l.inner; ++i) {
        index->push_back(o * l.AxisBlocks() + b);
      }
    }
  }
  return Shape(dims);
}

absl::Status Lowering::AddNarrowClip(const FakeQuantizeParams& p,
                                     const Container& c,
                                     const std::string& fq_name,
                                     const std::string& base, ValueId dq_out,
                                     const std::string& out_name) {
  // Bounds computed as DequantizeLinear computes (q - z) * s, in float.
  std::vector<float> lo, hi;
  for (size_t i = 0; i < p.scale.size(); ++i) {
    lo.push_back((static_cast<float>(p.qmin) - p.zero_point[i]) * p.scale[i]);
    hi.push_back((static_cast<float>(p.qmax) - p.zero_point[i]) * p.scale[i]);
  }
  info_.narrow_grid_clips.push_back(fq_name);
  if (!p.per_channel) {
    QS_ASSIGN_OR_RETURN(Tensor tlo, Tensor::FromVector(Shape(), lo));
    QS_ASSIGN_OR_RETURN(Tensor thi, Tensor::FromVector(Shape(), hi));
    QS_ASSIGN_OR_RETURN(
        ValueId vlo, dst_.AddParameter(Fresh(base + "_clip_min"), tlo, false));
    QS_ASSIGN_OR_RETURN(
        ValueId vhi, dst_.AddParameter(Fresh(base + "_clip_max"), thi, false));
    QS_ASSIGN_OR_RETURN(std::vector<ValueId> o,
                        dst_.AddNode("Clip", {dq_out, vlo, vhi}, {}, 1,
                                     Fresh(fq_name + "_clip"), {out_name}));
    dst_.mutable_value(o[0]).type = dst_.value(dq_out).type;
    info_.opset = std::max(info_.opset, 11);
    return absl::OkStatus();
  }
  if (p.block > 1) {
    return absl::UnimplementedError(absl::StrCat(
        p.where, ": blockwise grid [", p.qmin, ", ", p.qmax,
        "] narrower than its ", c.bits,
        "-bit container on an activation (parameters: pre-quantize)"));
  }
  QS_ASSIGN_OR_RETURN(int axis, qdq_internal::NormalizedAxis(p));
  std::vector<int64_t> dims(p.x_type.dims.size() - axis, 1);
  dims[0] = static_cast<int64_t>(p.scale.size());
  QS_ASSIGN_OR_RETURN(Tensor tlo, Tensor::FromVector(Shape(dims), lo));
  QS_ASSIGN_OR_RETURN(Tensor thi, Tensor::FromVector(Shape(dims), hi));
  QS_ASSIGN_OR_RETURN(ValueId vlo,
                      dst_.AddParameter(Fresh(base + "_clip_min"), tlo, false));
  QS_ASSIGN_OR_RETURN(ValueId vhi,
                      dst_.AddParameter(Fresh(base + "_clip_max"), thi, false));
  QS_ASSIGN_OR_RETURN(
      std::vector<ValueId> mx,
      dst_.AddNode("Max", {dq_out, vlo}, {}, 1, Fresh(fq_name + "_clip_lo"),
                   {Fresh(base + "_clip_lo")}));
  dst_.mutable_value(mx[0]).type = dst_.value(dq_out).type;
  QS_ASSIGN_OR_RETURN(std::vector<ValueId> mn,
                      dst_.AddNode("Min", {mx[0], vhi}, {}, 1,
                                   Fresh(fq_name + "_clip_hi"), {out_name}));
  dst_.mutable_value(mn[0]).type = dst_.value(dq_out).type;
  return absl::OkStatus();
}

absl::Status Lowering::LowerFakeQuantize(NodeId id) {
  const graph::Node& n = src_.node(id);
  QS_ASSIGN_OR_RETURN(FakeQuantizeParams p,
                      qdq_internal::ReadFakeQuantize(typed_, id));
  const graph::Value& x = src_.value(n.inputs[0]);
  const bool param = IsConstLike(x);
  QS_ASSIGN_OR_RETURN(Container c, qdq_internal::ChooseContainer(p, param));
  const bool narrow = p.qmin > c.lo || p.qmax < c.hi;
  const bool prequantize =
      param && (options_.prequantize_parameters || c.bits == 32 ||
                (narrow && p.block > 1 && options_.emulate_narrow_grids));
  if (p.rounding != kernels::RoundingMode::kHalfToEven && !prequantize) {
    if (!options_.allow_rounding_mismatch) {
      return absl::FailedPreconditionError(
          absl::StrCat(p.where,
                       ": rounding half_away_from_zero/stochastic has no ONNX "
                       "QuantizeLinear form (it rounds half to even)"));
    }
    info_.rounding_mismatch.push_back(n.name);
  }
  const bool ms = c.bits == 16 && !prequantize &&
                  options_.sixteen_bit == SixteenBitQdq::kMicrosoftDomain &&
                  p.block == 1;
  if (c.bits == 16 && !prequantize &&
      options_.sixteen_bit == SixteenBitQdq::kRefuse) {
    return absl::UnimplementedError(
        absl::StrCat(p.where, ": 16-bit QDQ of '", x.name,
                     "' refused (QdqExportOptions::sixteen_bit)"));
  }
  if (ms) {
    info_.uses_microsoft_domain = true;
  } else if (c.bits == 16 || p.block > 1) {
    info_.opset = std::max(info_.opset, kQdq16Opset);
  }
  ++info_.num_quantizers;

  // Scale and zero point initializers.
  std::vector<int64_t> index;
  QS_ASSIGN_OR_RETURN(Shape pshape, ParamShape(p, &index));
  std::vector<float> scale;
  std::vector<int64_t> zp;
  for (int64_t k : index) {
    scale.push_back(p.scale[k]);
    zp.push_back(static_cast<int64_t>(p.zero_point[k]));
  }
  const std::string base = x.name;
  QS_ASSIGN_OR_RETURN(Tensor tscale, Tensor::FromVector(pshape, scale));
  QS_ASSIGN_OR_RETURN(Tensor tzp, qdq_internal::IntTensor(pshape, c.dtype, zp));
  QS_ASSIGN_OR_RETURN(ValueId vscale,
                      dst_.AddParameter(Fresh(base + "_scale"), tscale, false));
  QS_ASSIGN_OR_RETURN(
      ValueId vzp, dst_.AddParameter(Fresh(base + "_zero_point"), tzp, false));
  graph::Attributes attrs;
  if (p.per_channel) attrs.Set("axis", p.axis);
  if (p.block > 1) attrs.Set("block_size", p.block);
  const std::string q_op =
      ms ? "com.microsoft.QuantizeLinear" : "QuantizeLinear";
  const std::string dq_op =
      ms ? "com.microsoft.DequantizeLinear" : "DequantizeLinear";

  // The integer tensor: QuantizeLinear, or pre-quantized values.
  ValueId q;
  if (prequantize) {
    QS_ASSIGN_OR_RETURN(kernels::QdqLayout l, qdq_internal::LayoutFor(p));
    QS_ASSIGN_OR_RETURN(Tensor xc, x.data.Contiguous());
    kernels::QdqConfig config;
    config.qmin = static_cast<float>(p.qmin);
    config.qmax = static_cast<float>(p.qmax);
    // The simulation's own rounding (inference runs round stochastic to
    // nearest, half away), so the stored integers are the simulated ones.
    config.rounding = p.rounding == kernels::RoundingMode::kHalfToEven
                          ? kernels::RoundingMode::kHalfToEven
                          : kernels::RoundingMode::kHalfAwayFromZero;
    std::vector<int64_t> qv(xc.numel());
    const float* xd = xc.data<float>();
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t a = 0; a < l.axis; ++a) {
        const int64_t k = l.RunParamIndex(o, a);
        kernels::QdqParam qp = kernels::MakeQdqParam(
            p.scale[k], p.zero_point[k], config.qmin, config.qmax);
        if (!p.clip_lo.empty()) {
          qp.clip_lo = p.clip_lo[k];
          qp.clip_hi = p.clip_hi[k];
        }
        for (int64_t i = 0; i < l.inner; ++i) {
          const int64_t e = (o * l.axis + a) * l.inner + i;
          const double v = kernels::QuantizeValue(xd[e], qp, config, e);
          qv[e] = static_cast<int64_t>(
              std::min<double>(std::max<double>(v, c.lo), c.hi));
        }
      }
    }
    QS_ASSIGN_OR_RETURN(Tensor tq,
                        qdq_internal::IntTensor(xc.shape(), c.dtype, qv));
    QS_ASSIGN_OR_RETURN(q, dst_.AddParameter(Fresh(base + "_q"), tq, false));
    info_.prequantized.push_back(n.name);
  } else {
    QS_ASSIGN_OR_RETURN(ValueId xin, Map(n.inputs[0]));
    QS_ASSIGN_OR_RETURN(
        std::vector<ValueId> qo,
        dst_.AddNode(q_op, {xin, vscale, vzp}, attrs, 1, Fresh(n.name + "_q"),
                     {Fresh(base + "_q")}));
    q = qo[0];
    dst_.mutable_value(q).type = p.x_type;
    dst_.mutable_value(q).type.dtype = c.dtype;
  }

  // DequantizeLinear (then the narrow-grid clip) producing the FakeQuantize's
  // own output name.
  const std::string& out_name = src_.value(n.outputs[0]).name;
  const bool clip = narrow && !prequantize && options_.emulate_narrow_grids;
  const std::string dq_name = clip ? Fresh(base + "_dq") : out_name;
  QS_ASSIGN_OR_RETURN(std::vector<ValueId> dq,
                      dst_.AddNode(dq_op, {q, vscale, vzp}, attrs, 1,
                                   Fresh(n.name + "_dq"), {dq_name}));
  dst_.mutable_value(dq[0]).type = typed_.value(n.outputs[0]).type;
  if (clip) {
    QS_RETURN_IF_ERROR(AddNarrowClip(p, c, n.name, base, dq[0], out_name));
  }
  QS_ASSIGN_OR_RETURN(map_[n.outputs[0]], dst_.FindValue(out_name));
  return absl::OkStatus();
}

absl::StatusOr<Graph> Lowering::Run() {
  typed_ = src_;
  (void)graph::InferShapes(typed_, registry_);
  consumers_ = src_.Consumers();
  QS_ASSIGN_OR_RETURN(std::vector<NodeId> order, src_.TopologicalOrder());
  map_.assign(src_.num_values(), graph::kNoValue);
  // Names that survive: every value and node except FakeQuantize nodes, their
  // mask outputs and scale/zero-point/clip values read only by them.
  std::set<ValueId> dropped;
  for (NodeId id : order) {
    const graph::Node& n = src_.node(id);
    if (n.op_type != kFakeQuantize) {
      taken_.insert(n.name);
      continue;
    }
    for (size_t i = 1; i < n.outputs.size(); ++i) {
      const ValueId m = n.outputs[i];
      const bool is_output =
          std::count(src_.outputs().begin(), src_.outputs().end(), m) > 0;
      if (!consumers_[m].empty() || is_output) {
        return absl::InvalidArgumentError(absl::StrCat(
            n.Describe(), ": its mask output '", src_.value(m).name,
            "' is used; ONNX QDQ has no mask (export the inference graph)"));
      }
      dropped.insert(m);
    }
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      const ValueId v = n.inputs[i];
      if (v == graph::kNoValue) continue;
      bool only_fq_params = true;
      for (const auto& [c, idx] : consumers_[v]) {
        if (src_.node(c).op_type != kFakeQuantize || idx == 0) {
          only_fq_params = false;
        }
      }
      if (std::count(src_.outputs().begin(), src_.outputs().end(), v) > 0) {
        only_fq_params = false;
      }
      if (only_fq_params) dropped.insert(v);
    }
  }
  for (ValueId v = 0; v < src_.num_values(); ++v) {
    if (dropped.count(v) == 0) taken_.insert(src_.value(v).name);
  }
  for (ValueId in : src_.inputs()) {
    const graph::Value& v = src_.value(in);
    QS_ASSIGN_OR_RETURN(map_[in],
                        dst_.AddInput(v.name, v.type.dtype, v.type.dims));
  }
  info_.opset = kQdqOpset;
  for (NodeId id : order) {
    if (src_.node(id).op_type == kFakeQuantize) {
      QS_RETURN_IF_ERROR(LowerFakeQuantize(id));
    } else {
      QS_RETURN_IF_ERROR(CopyNode(id));
    }
  }
  for (ValueId out : src_.outputs()) {
    QS_ASSIGN_OR_RETURN(ValueId m, Map(out));
    QS_RETURN_IF_ERROR(dst_.AddOutput(m));
  }
  return std::move(dst_);
}

}  // namespace

absl::StatusOr<graph::Graph> LowerToQdqOnnx(const graph::Graph& sim_graph,
                                            const QdqExportOptions& options,
                                            QdqExportInfo* info) {
  QdqExportInfo local;
  Lowering lowering(sim_graph, options, info != nullptr ? *info : local);
  if (info != nullptr) *info = QdqExportInfo();
  return lowering.Run();
}

absl::Status WriteQdqOnnx(const graph::Graph& sim_graph,
                          const std::string& path,
                          const QdqExportOptions& options,
                          QdqExportInfo* info) {
  QdqExportInfo local;
  QdqExportInfo& i = info != nullptr ? *info : local;
  QS_ASSIGN_OR_RETURN(graph::Graph g, LowerToQdqOnnx(sim_graph, options, &i));
  OnnxWriteOptions w;
  w.registry = options.registry;
  w.opset = i.opset;
  return WriteOnnx(g, path, w);
}

}  // namespace quantsim::io
