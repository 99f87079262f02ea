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

// Base for the kernels of Conv and its gradient ops.
class ConvKernelBase : public graph::OpKernel {
 public:
  explicit ConvKernelBase(ConvAttrs a) : attrs_(std::move(a)) {}

 protected:
  ConvAttrs attrs_;
};

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
    if (ctx.has_input(2)) {
      QS_ASSIGN_OR_RETURN(b, ctx.input(2).Contiguous());
      if (b.numel() != s.out_channels) {
        return ctx.Error(absl::StrCat("bias ", b.shape().ToString(), " needs ",
                                      s.out_channels, " values"));
      }
      bias = b.data<float>();
    }
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
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(1).Contiguous());
    const engine::Shape& x = ctx.input(2).shape();
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x, w.shape()));
    if (dy.numel() != s.YSize()) return ctx.Error("dy does not match y");
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x));
    kernels::ConvBackwardInput(s, dy.data<float>(), w.data<float>(),
                               dx.data<float>(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

// ConvGradWeight(x, dy, w) -> dw.
class ConvGradWeightKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(1).Contiguous());
    const engine::Shape& w = ctx.input(2).shape();
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunConvShape(ctx, attrs_, x.shape(), w));
    if (dy.numel() != s.YSize()) return ctx.Error("dy does not match y");
    QS_ASSIGN_OR_RETURN(engine::Tensor dw, ctx.AllocateOutput(0, w));
    kernels::ConvBackwardWeight(s, x.data<float>(), dy.data<float>(),
                                dw.data<float>(), ctx.pool(), ctx.isa());
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

absl::Status InferConv(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireRank(c, 0, -1));
  QS_RETURN_IF_ERROR(RequireRank(c, 1, -1));
  QS_ASSIGN_OR_RETURN(ConvAttrs a,
                      ParseConvAttrs(c.attrs(), c.node().Describe(), false));
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

absl::Status ConvBackward(graph::GradBuilder& b) {
  const graph::ValueId dy = b.output_grad(0);
  const graph::Attributes& attrs = b.node().attrs;
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dx,
        b.Emit1("ConvGradInput", {dy, b.input(1), b.input(0)}, attrs));
    b.SetInputGrad(0, dx);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dw,
        b.Emit1("ConvGradWeight", {b.input(0), dy, b.input(1)}, attrs));
    b.SetInputGrad(1, dw);
  }
  if (b.node().inputs.size() > 2 && b.input(2) != graph::kNoValue &&
      b.needs_input_grad(2)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId db, b.Emit1("ConvGradBias", {dy}));
    b.SetInputGrad(2, db);
  }
  return absl::OkStatus();
}

// Gradient ops: the output is typed like input `like`.
template <int like>
absl::Status InferLike(graph::InferContext& c) {
  c.set_output(0, c.input(like));
  return absl::OkStatus();
}

graph::OpDef InternalGradOp(const std::string& type, int inputs) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = inputs;
  d.attrs = ConvAttrSpecs(false);
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace

graph::OpDef MakeConvOp() {
  graph::OpDef d;
  d.type = "Conv";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = ConvAttrSpecs(false);
  d.infer = InferConv;
  d.make_cpu_kernel = MakeConvKernel<ConvKernel, false>;
  d.backward = ConvBackward;
  d.onnx = {"Conv", "", 11};
  return d;
}

graph::OpDef MakeConvGradInputOp() {
  graph::OpDef d = InternalGradOp("ConvGradInput", 3);
  d.infer = InferLike<2>;
  d.make_cpu_kernel = MakeConvKernel<ConvGradInputKernel, false>;
  return d;
}

graph::OpDef MakeConvGradWeightOp() {
  graph::OpDef d = InternalGradOp("ConvGradWeight", 3);
  d.infer = InferLike<2>;
  d.make_cpu_kernel = MakeConvKernel<ConvGradWeightKernel, false>;
  return d;
}

graph::OpDef MakeConvGradBiasOp() {
  graph::OpDef d = InternalGradOp("ConvGradBias", 1);
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
