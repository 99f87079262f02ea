// ConvTranspose (ONNX, opset 11+ form), 1-3 spatial dims.
//   inputs:  x [N, C, D1..], w [C, M/group, k1..], optional bias [M]
//   attrs:   Conv's (auto_pad, dilations, group, kernel_shape, pads,
//            strides) plus output_padding and output_shape
//   out[i] = stride * (in - 1) + output_padding + (k - 1) * dilation + 1
//            - pad_begin - pad_end,
// or out = output_shape (or in * stride under SAME_*) with the pads derived
// from total = stride * (in - 1) + output_padding + extent - out:
// SAME_UPPER: begin = total / 2, else begin = total - total / 2 (ONNX spec
// text). output_padding must be smaller than the stride.
// The transpose is the input gradient of the conv whose input has the
// transpose's output shape (kernels::ConvTransposeForward), so backward is:
//   dx = ConvTransposeGradInput(dy, w, x)  = ConvForward of dy with w
//   dw = ConvTransposeGradWeight(x, dy, w) = ConvBackwardWeight(dy, x)
//   db = ConvGradBias(dy)
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/conv/conv.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class ConvTransposeKernelBase : public graph::OpKernel {
 public:
  explicit ConvTransposeKernelBase(ConvAttrs a) : attrs_(std::move(a)) {}

 protected:
  ConvAttrs attrs_;
};

std::vector<int64_t> TransposeOutDims(const kernels::ConvShape& s) {
  std::vector<int64_t> d = {s.batch, s.in_channels};
  for (int i = 0; i < s.rank; ++i) d.push_back(s.in_size[i]);
  return d;
}

class ConvTransposeKernel final : public ConvTransposeKernelBase {
 public:
  using ConvTransposeKernelBase::ConvTransposeKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x.shape(), w.shape()));
    const float* bias = nullptr;
    engine::Tensor b;
    if (ctx.has_input(2)) {
      QS_ASSIGN_OR_RETURN(b, ctx.input(2).Contiguous());
      if (b.numel() != s.in_channels) {
        return ctx.Error(absl::StrCat("bias ", b.shape().ToString(), " needs ",
                                      s.in_channels, " values"));
      }
      bias = b.data<float>();
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(TransposeOutDims(s))));
    kernels::ConvTransposeForward(s, x.data<float>(), w.data<float>(), bias,
                                  y.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvTransposeGradInput(dy, w, x) -> dx.
class GradInputKernel final : public ConvTransposeKernelBase {
 public:
  using ConvTransposeKernelBase::ConvTransposeKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(1).Contiguous());
    const engine::Shape& x = ctx.input(2).shape();
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x, w.shape()));
    if (dy.numel() != s.XSize()) return ctx.Error("dy does not match y");
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x));
    kernels::ConvForward(s, dy.data<float>(), w.data<float>(), nullptr,
                         dx.data<float>(), kernels::GemmEpilogue(), ctx.pool(),
                         ctx.isa());
    return absl::OkStatus();
  }
};

// ConvTransposeGradWeight(x, dy, w) -> dw.
class GradWeightKernel final : public ConvTransposeKernelBase {
 public:
  using ConvTransposeKernelBase::ConvTransposeKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(1).Contiguous());
    const engine::Shape& w = ctx.input(2).shape();
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x.shape(), w));
    if (dy.numel() != s.XSize()) return ctx.Error("dy does not match y");
    QS_ASSIGN_OR_RETURN(engine::Tensor dw, ctx.AllocateOutput(0, w));
    kernels::ConvBackwardWeight(s, dy.data<float>(), x.data<float>(),
                                dw.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireRank(c, 0, -1));
  QS_RETURN_IF_ERROR(RequireRank(c, 1, -1));
  QS_ASSIGN_OR_RETURN(ConvAttrs a,
                      ParseConvAttrs(c.attrs(), c.node().Describe(), true));
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

absl::Status Backward(graph::GradBuilder& b) {
  const graph::ValueId dy = b.output_grad(0);
  const graph::Attributes& attrs = b.node().attrs;
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dx,
        b.Emit1("ConvTransposeGradInput", {dy, b.input(1), b.input(0)}, attrs));
    b.SetInputGrad(0, dx);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId dw,
                        b.Emit1("ConvTransposeGradWeight",
                                {b.input(0), dy, b.input(1)}, attrs));
    b.SetInputGrad(1, dw);
  }
  if (b.node().inputs.size() > 2 && b.input(2) != graph::kNoValue &&
      b.needs_input_grad(2)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId db, b.Emit1("ConvGradBias", {dy}));
    b.SetInputGrad(2, db);
  }
  return absl::OkStatus();
}

absl::Status InferLikeInput2(graph::InferContext& c) {
  c.set_output(0, c.input(2));
  return absl::OkStatus();
}

graph::OpDef InternalGradOp(const std::string& type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = 3;
  d.attrs = ConvAttrSpecs(true);
  d.infer = InferLikeInput2;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace

graph::OpDef MakeConvTransposeOp() {
  graph::OpDef d;
  d.type = "ConvTranspose";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = ConvAttrSpecs(true);
  d.infer = Infer;
  d.make_cpu_kernel = MakeConvKernel<ConvTransposeKernel, true>;
  d.backward = Backward;
  d.onnx = {"ConvTranspose", "", 11};
  return d;
}

graph::OpDef MakeConvTransposeGradInputOp() {
  graph::OpDef d = InternalGradOp("ConvTransposeGradInput");
  d.make_cpu_kernel = MakeConvKernel<GradInputKernel, true>;
  return d;
}

graph::OpDef MakeConvTransposeGradWeightOp() {
  graph::OpDef d = InternalGradOp("ConvTransposeGradWeight");
  d.make_cpu_kernel = MakeConvKernel<GradWeightKernel, true>;
  return d;
}

}  // namespace quantsim::ops
