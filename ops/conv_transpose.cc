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

std::vector<int64_t> TransposeOutDims(const kernels::ConvShape& s) {
  std::vector<int64_t> d = {s.batch, s.in_channels};
  for (int i = 0; i < s.rank; ++i) d.push_back(s.in_size[i]);
  return d;
}

class ConvTransposeKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x.shape(), w.shape()));
    const float* bias = nullptr;
    engine::Tensor b;
    QS_RETURN_IF_ERROR(ReadConvBias(ctx, s.in_channels, b, bias));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(TransposeOutDims(s))));
    kernels::ConvTransposeForward(s, x.data<float>(), w.data<float>(), bias,
                                  y.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvTransposeGradInput(dy, w, x) -> dx.
class GradInputKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(ConvGradOperands o, PrepareConvGrad(ctx, attrs_, true));
    kernels::ConvForward(o.s, o.in0.data<float>(), o.in1.data<float>(), nullptr,
                         o.out.data<float>(), kernels::GemmEpilogue(),
                         ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvTransposeGradWeight(x, dy, w) -> dw.
class GradWeightKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(ConvGradOperands o,
                        PrepareConvGrad(ctx, attrs_, false));
    kernels::ConvBackwardWeight(o.s, o.in1.data<float>(), o.in0.data<float>(),
                                o.out.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

}  // namespace

graph::OpDef MakeConvTransposeOp() {
  graph::OpDef d;
  d.type = "ConvTranspose";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = ConvAttrSpecs(true);
  d.infer = [](graph::InferContext& c) { return InferConvOp(c, true); };
  d.make_cpu_kernel = MakeConvKernel<ConvTransposeKernel, true>;
  d.backward = [](graph::GradBuilder& b) {
    return ConvOpBackward(b, "ConvTransposeGradInput",
                          "ConvTransposeGradWeight");
  };
  d.onnx = {"ConvTranspose", "", 11};
  return d;
}

graph::OpDef MakeConvTransposeGradInputOp() {
  graph::OpDef d = ConvInternalGradOp("ConvTransposeGradInput", 3, true);
  d.make_cpu_kernel = MakeConvKernel<GradInputKernel, true>;
  return d;
}

graph::OpDef MakeConvTransposeGradWeightOp() {
  graph::OpDef d = ConvInternalGradOp("ConvTransposeGradWeight", 3, true);
  d.make_cpu_kernel = MakeConvKernel<GradWeightKernel, true>;
  return d;
}

}  // namespace quantsim::ops
