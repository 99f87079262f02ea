// Conv (ONNX, opset 11+ form): y = conv(x, w) + bias, 1-3 spatial dims.
//   inputs:  x [N, C, D1..], w [M, C/group, k1..], optional bias [M]
//   attrs:   auto_pad (NOTSET | SAME_UPPER | SAME_LOWER | VALID), dilations,
//            group, kernel_shape (optional, must match w), pads
//            [b1.., e1..], strides
// Runs kernels::ConvForward (im2col + Gemm, or the depthwise SIMD kernel).
// Backward, through internal ops sharing Conv's attributes:
//   dx = ConvGradInput(dy, w, x)   (kernels::ConvBackwardInput; x for shape)
//   dw = ConvGradWeight(x, dy, w)  (kernels::ConvBackwardWeight; w for shape)
//   db = ConvGradBias(dy)          (sum over all axes but 1, in double)
// Batch and spatial dims may be -1: SAME pads and output sizes are then
// resolved from the run-time shapes.
#include "kernels/cpu/conv/conv.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class ConvKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x.shape(), w.shape()));
    const float* bias = nullptr;
    engine::Tensor b;
    QS_RETURN_IF_ERROR(ReadConvBias(ctx, s.out_channels, b, bias));
    std::vector<int64_t> y_dims = {s.batch, s.out_channels};
    for (int d = 0; d < s.rank; ++d) y_dims.push_back(s.OutSize(d));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(y_dims)));
    kernels::ConvForward(s, x.data<float>(), w.data<float>(), bias,
                         y.data<float>(), kernels::GemmEpilogue(), ctx.pool(),
                         ctx.isa());
    return absl::OkStatus();
  }
};

// ConvGradInput(dy, w, x) -> dx.
class ConvGradInputKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(ConvGradOperands o, PrepareConvGrad(ctx, attrs_, true));
    kernels::ConvBackwardInput(o.s, o.in0.data<float>(), o.in1.data<float>(),
                               o.out.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvGradWeight(x, dy, w) -> dw.
class ConvGradWeightKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(ConvGradOperands o,
                        PrepareConvGrad(ctx, attrs_, false));
    kernels::ConvBackwardWeight(o.s, o.in0.data<float>(), o.in1.data<float>(),
                                o.out.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvGradBias(dy) -> db[c] = sum of dy[:, c, ...] (also ConvTranspose's).
class ConvGradBiasKernel final : public graph::OpKernel {
 public:
  explicit ConvGradBiasKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    if (dy.rank() < 2) return ctx.Error("dy must be rank >= 2");
    kernels::ConvShape s;
    s.rank = 1;
    s.batch = dy.dim(0);
    s.in_channels = s.out_channels = dy.dim(1);
    s.in_size[0] = dy.shape().Product(2, dy.rank());
    QS_ASSIGN_OR_RETURN(engine::Tensor db,
                        ctx.AllocateOutput(0, engine::Shape({dy.dim(1)})));
    kernels::ConvBackwardBias(s, dy.data<float>(), db.data<float>(),
                              ctx.pool());
    return absl::OkStatus();
  }
};

}  // namespace

graph::OpDef MakeConvOp() {
  graph::OpDef d;
  d.type = "Conv";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = ConvAttrSpecs(false);
  d.infer = [](graph::InferContext& c) { return InferConvOp(c, false); };
  d.make_cpu_kernel = MakeConvKernel<ConvKernel, false>;
  d.backward = [](graph::GradBuilder& b) {
    return ConvOpBackward(b, "ConvGradInput", "ConvGradWeight");
  };
  d.onnx = {"Conv", "", 11};
  return d;
}

graph::OpDef MakeConvGradInputOp() {
  graph::OpDef d = ConvInternalGradOp("ConvGradInput", 3, false);
  d.make_cpu_kernel = MakeConvKernel<ConvGradInputKernel, false>;
  return d;
}

graph::OpDef MakeConvGradWeightOp() {
  graph::OpDef d = ConvInternalGradOp("ConvGradWeight", 3, false);
  d.make_cpu_kernel = MakeConvKernel<ConvGradWeightKernel, false>;
  return d;
}

graph::OpDef MakeConvGradBiasOp() {
  graph::OpDef d = ConvInternalGradOp("ConvGradBias", 1, false);
  d.attrs.clear();
  d.infer = [](graph::InferContext& c) -> absl::Status {
    const graph::ValueType& t = c.input(0);
    if (!t.has_rank || t.dims.size() < 2) {
      return c.Error("dy " + t.ToString() + " must be rank >= 2");
    }
    c.set_output(0, TypeWithDims(engine::DType::kF32, {t.dims[1]}));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<ConvGradBiasKernel>;
  return d;
}

}  // namespace quantsim::ops
