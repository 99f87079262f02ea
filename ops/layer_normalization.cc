// LayerNormalization (ONNX opset 17):
//   inputs:  X, Scale [, B]  (Scale / B: X.shape[axis:] or the same count)
//   outputs: Y [, Mean, InvStdDev]  (X.shape[:axis] + [1] * (rank - axis))
//   attrs:   axis (-1), epsilon (1e-5), stash_type (1)
// Y = (X - mean) * inv_std * Scale + B over the axes [axis, rank), with
// kernels/cpu/norm RowNorm (statistics in double, stored as f32: every
// stash_type is at least as precise as requested for f32 inputs).
// Backward: RowNormGrad (kind "layer") for X, Scale and B; it uses the Mean /
// InvStdDev outputs when the node has them, else recomputes them. Mean and
// InvStdDev themselves carry no gradient.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/norm/norm.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct LnAttrs {
  int64_t axis = -1;
  float eps = 1e-5f;
};

absl::StatusOr<LnAttrs> ParseLn(const graph::Node& node) {
  const std::string where = node.Describe();
  LnAttrs a;
  QS_ASSIGN_OR_RETURN(a.axis, node.attrs.GetIntOr("axis", -1, where));
  QS_ASSIGN_OR_RETURN(a.eps, node.attrs.GetFloatOr("epsilon", 1e-5f, where));
  QS_ASSIGN_OR_RETURN(int64_t stash,
                      node.attrs.GetIntOr("stash_type", 1, where));
  (void)stash;  // see the file comment
  absl::Status s = kernels::CheckLayerNormArgs(1, 1, a.eps);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
  }
  return a;
}

class LayerNormKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<LayerNormKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<LayerNormKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseLn(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<int> axis =
        x.shape().NormalizeAxis(static_cast<int>(a_.axis));
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    const int64_t outer = x.shape().Product(0, *axis);
    const int64_t inner = x.shape().Product(*axis, x.rank());
    if (outer < 1 || inner < 1) return ctx.Error("empty X");
    QS_ASSIGN_OR_RETURN(engine::Tensor scale, ctx.input(1).Contiguous());
    engine::Tensor bias;
    if (ctx.has_input(2)) {
      QS_ASSIGN_OR_RETURN(bias, ctx.input(2).Contiguous());
    }
    for (const engine::Tensor* p : {&scale, &bias}) {
      if (p->defined() && p->numel() != inner) {
        return ctx.Error(absl::StrCat("Scale / B have ", p->numel(),
                                      " values, need ", inner, " for X ",
                                      x.shape().ToString(), " axis ", *axis));
      }
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    float* mean = nullptr;
    float* inv = nullptr;
    std::vector<int64_t> sd = x.shape().dims();
    for (int i = *axis; i < x.rank(); ++i) sd[i] = 1;
    const engine::Shape stat_shape(sd);
    if (ctx.num_outputs() > 1) {
      QS_ASSIGN_OR_RETURN(engine::Tensor m, ctx.AllocateOutput(1, stat_shape));
      mean = m.data<float>();
    }
    if (ctx.num_outputs() > 2) {
      QS_ASSIGN_OR_RETURN(engine::Tensor v, ctx.AllocateOutput(2, stat_shape));
      inv = v.data<float>();
    }
    kernels::RowNormForward(
        x.data<float>(), kernels::LayerNormShape(outer, inner),
        scale.data<float>(), bias.defined() ? bias.data<float>() : nullptr,
        a_.eps, y.data<float>(), mean, inv, ctx.pool());
    return absl::OkStatus();
  }

 private:
  LnAttrs a_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_RETURN_IF_ERROR(RequireF32(c, 1));
  if (c.has_input(2)) QS_RETURN_IF_ERROR(RequireF32(c, 2));
  QS_ASSIGN_OR_RETURN(LnAttrs a, ParseLn(c.node()));
  const graph::ValueType& x = c.input(0);
  c.set_output(0, x);
  if (c.num_outputs() == 1) return absl::OkStatus();
  graph::ValueType st = x;
  if (x.has_rank) {
    const int r = static_cast<int>(x.dims.size());
    const int64_t axis = a.axis < 0 ? a.axis + r : a.axis;
    if (axis < 0 || axis >= r) {
      return c.Error(
          absl::StrCat("axis ", a.axis, " out of range for X ", x.ToString()));
    }
    for (int i = static_cast<int>(axis); i < r; ++i) st.dims[i] = 1;
  }
  for (int i = 1; i < c.num_outputs(); ++i) c.set_output(i, st);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (b.output_grad(0) == graph::kNoValue) return absl::OkStatus();
  std::vector<graph::ValueId> in = {b.output_grad(0), b.input(0), b.input(1)};
  if (b.node().outputs.size() > 2) {
    in.push_back(b.output(1));
    in.push_back(b.output(2));
  }
  graph::Attributes attrs;
  attrs.Set("kind", std::string("layer"));
  for (const char* n : {"axis", "epsilon"}) {
    auto it = b.node().attrs.values().find(n);
    if (it != b.node().attrs.values().end()) attrs.Set(n, it->second);
  }
  QS_ASSIGN_OR_RETURN(std::vector<graph::ValueId> g,
                      b.Emit("RowNormGrad", in, attrs, 3));
  b.SetInputGrad(0, g[0]);
  b.SetInputGrad(1, g[1]);
  if (b.node().inputs.size() > 2) b.SetInputGrad(2, g[2]);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeLayerNormalizationOp() {
  graph::OpDef d;
  d.type = "LayerNormalization";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.min_outputs = 1;
  d.max_outputs = 3;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"epsilon", graph::AttrType::kFloat},
             {"stash_type", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<LayerNormKernel>;
  d.backward = Backward;
  d.onnx = {"LayerNormalization", "", 17};
  return d;
}

}  // namespace quantsim::ops
