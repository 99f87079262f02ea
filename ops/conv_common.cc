// Kernel / infer / backward scaffolding shared by Conv and ConvTranspose
// (declared in ops/nn_util.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {

absl::Status ReadConvBias(graph::KernelContext& ctx, int64_t channels,
                          engine::Tensor& holder, const float*& bias) {
  if (!ctx.has_input(2)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(holder, ctx.input(2).Contiguous());
  if (holder.numel() != channels) {
    return ctx.Error(absl::StrCat("bias ", holder.shape().ToString(), " needs ",
                                  channels, " values"));
  }
  bias = holder.data<float>();
  return absl::OkStatus();
}

absl::StatusOr<ConvGradOperands> PrepareConvGrad(graph::KernelContext& ctx,
                                                 const ConvAttrs& a,
                                                 bool grad_input) {
  ConvGradOperands o;
  QS_ASSIGN_OR_RETURN(o.in0, ctx.input(0).Contiguous());
  QS_ASSIGN_OR_RETURN(o.in1, ctx.input(1).Contiguous());
  const engine::Shape& like = ctx.input(2).shape();
  const engine::Tensor& dy = grad_input ? o.in0 : o.in1;
  QS_ASSIGN_OR_RETURN(o.s, grad_input
                               ? RunConvShape(ctx, a, like, o.in1.shape())
                               : RunConvShape(ctx, a, o.in0.shape(), like));
  const int64_t y_size = a.transpose ? o.s.XSize() : o.s.YSize();
  if (dy.numel() != y_size) return ctx.Error("dy does not match y");
  QS_ASSIGN_OR_RETURN(o.out, ctx.AllocateOutput(0, like));
  return o;
}

absl::Status InferConvOp(graph::InferContext& c, bool transpose) {
  QS_RETURN_IF_ERROR(RequireRank(c, 0, -1));
  QS_RETURN_IF_ERROR(RequireRank(c, 1, -1));
  QS_ASSIGN_OR_RETURN(
      ConvAttrs a, ParseConvAttrs(c.attrs(), c.node().Describe(), transpose));
  absl::StatusOr<ConvGeometry> geo =
      ComputeConvGeometry(a, c.input(0).dims, c.input(1).dims);
  if (!geo.ok()) return c.Error(std::string(geo.status().message()));
  if (c.has_input(2)) {
    QS_RETURN_IF_ERROR(RequireRank(c, 2, 1));
    const int64_t nb = c.input(2).dims[0];
    const int64_t m = geo->y_dims[1];
    if (nb >= 0 && m >= 0 && nb != m) {
      return c.Error(absl::StrCat("bias ", c.input(2).ToString(), " needs ", m,
                                  " values"));
    }
  }
  c.set_output(0, TypeWithDims(engine::DType::kF32, geo->y_dims));
  return absl::OkStatus();
}

absl::Status ConvOpBackward(graph::GradBuilder& b,
                            const std::string& grad_input,
                            const std::string& grad_weight) {
  const graph::ValueId dy = b.output_grad(0);
  const graph::Attributes& attrs = b.node().attrs;
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dx,
        b.Emit1(grad_input, {dy, b.input(1), b.input(0)}, attrs));
    b.SetInputGrad(0, dx);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dw,
        b.Emit1(grad_weight, {b.input(0), dy, b.input(1)}, attrs));
    b.SetInputGrad(1, dw);
  }
  if (b.node().inputs.size() > 2 && b.input(2) != graph::kNoValue &&
      b.needs_input_grad(2)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId db, b.Emit1("ConvGradBias", {dy}));
    b.SetInputGrad(2, db);
  }
  return absl::OkStatus();
}

graph::OpDef ConvInternalGradOp(const std::string& type, int inputs,
                                bool transpose) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = inputs;
  d.attrs = ConvAttrSpecs(transpose);
  d.infer = [](graph::InferContext& c) -> absl::Status {
    c.set_output(0, c.input(2));
    return absl::OkStatus();
  };
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
