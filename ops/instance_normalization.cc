// InstanceNormalization (ONNX opset 6):
//   inputs:  input [N, C, D...] (rank >= 3), scale [C], B [C]
//   outputs: output;  attrs: epsilon (1e-5)
// Each (n, c) plane normalized over its spatial values, then * scale_c +
// B_c: GroupNorm with G = C (kernels/cpu/norm RowNorm).
// Backward: RowNormGrad (kind "instance") for input, scale and B.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/norm/norm.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class InstanceNormKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<InstanceNormKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    auto k = std::make_unique<InstanceNormKernel>();
    QS_ASSIGN_OR_RETURN(k->eps_,
                        node.attrs.GetFloatOr("epsilon", 1e-5f, where));
    if (!(k->eps_ > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": epsilon must be > 0"));
    }
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor scale, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor bias, ctx.input(2).Contiguous());
    if (x.rank() < 3)
      return ctx.Error("input must have rank >= 3 [N, C, D...]");
    const int64_t N = x.dim(0), C = x.dim(1);
    const int64_t S = x.shape().Product(2, x.rank());
    absl::Status check = kernels::CheckGroupNormArgs(N, C, S, C, eps_);
    if (!check.ok()) return ctx.Error(std::string(check.message()));
    if (scale.numel() != C || bias.numel() != C) {
      return ctx.Error(absl::StrCat("scale / B need ", C, " values"));
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    kernels::RowNormForward(x.data<float>(),
                            kernels::GroupNormShape(N, C, S, C),
                            scale.data<float>(), bias.data<float>(), eps_,
                            y.data<float>(), nullptr, nullptr, ctx.pool());
    return absl::OkStatus();
  }

 private:
  float eps_ = 1e-5f;
};

absl::Status Infer(graph::InferContext& c) {
  for (int i = 0; i < 3; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
  const graph::ValueType& x = c.input(0);
  if (x.has_rank) {
    if (x.dims.size() < 3) {
      return c.Error(absl::StrCat("input ", x.ToString(),
                                  " must have rank >= 3 [N, C, D...]"));
    }
    const int64_t C = x.dims[1];
    for (int i = 1; i < 3; ++i) {
      const graph::ValueType& p = c.input(i);
      if (C >= 0 && p.IsStatic()) {
        int64_t n = 1;
        for (int64_t d : p.dims) n *= d;
        if (n != C) {
          return c.Error(absl::StrCat("input ", i, " ", p.ToString(), " needs ",
                                      C, " values"));
        }
      }
    }
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (b.output_grad(0) == graph::kNoValue) return absl::OkStatus();
  graph::Attributes attrs;
  attrs.Set("kind", std::string("instance"));
  auto it = b.node().attrs.values().find("epsilon");
  if (it != b.node().attrs.values().end()) attrs.Set("epsilon", it->second);
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("RowNormGrad", {b.output_grad(0), b.input(0), b.input(1)}, attrs,
             3));
  for (int i = 0; i < 3; ++i) b.SetInputGrad(i, g[i]);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeInstanceNormalizationOp() {
  graph::OpDef d;
  d.type = "InstanceNormalization";
  d.min_inputs = d.max_inputs = 3;
  d.attrs = {{"epsilon", graph::AttrType::kFloat}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<InstanceNormKernel>;
  d.backward = Backward;
  d.onnx = {"InstanceNormalization", "", 6};
  return d;
}

}  // namespace quantsim::ops
