// SumToShape (internal): sums `x` over the axes along which `like` was
// broadcast (numpy rules), giving a tensor shaped like `like`. Emitted by
// the backward of broadcasting ops. Deterministic: kernels::ReduceToShape
// (fixed summation order, identical for every Isa and thread count).
#include "engine/status.h"
#include "kernels/cpu/binary/binary_grad.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class SumToShapeKernel final : public graph::OpKernel {
 public:
  explicit SumToShapeKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    const engine::Shape& target = ctx.input(1).shape();
    if (x.shape() == target) {
      ctx.SetOutput(0, x);
      return absl::OkStatus();
    }
    const int offset = x.rank() - target.rank();
    if (offset < 0) return ctx.Error("target has a higher rank than input");
    for (int i = offset; i < x.rank(); ++i) {
      const int64_t td = target.dim(i - offset);
      if (td != x.dim(i) && td != 1) {
        return ctx.Error("input " + x.shape().ToString() +
                         " does not reduce to " + target.ToString());
      }
    }
    QS_ASSIGN_OR_RETURN(kernels::Dims xd, ToKernelDims(x.shape()));
    QS_ASSIGN_OR_RETURN(kernels::Dims td, ToKernelDims(target));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, target));
    QS_ASSIGN_OR_RETURN(engine::Tensor xc, x.Contiguous());
    kernels::ReduceToShape(xc.data<float>(), xd, y.data<float>(), td,
                           ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  graph::ValueType t = c.input(1);
  t.dtype = c.input(0).dtype;
  c.set_output(0, t);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeSumToShapeOp() {
  graph::OpDef d;
  d.type = "SumToShape";
  d.min_inputs = d.max_inputs = 2;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<SumToShapeKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};  // internal
  return d;
}

}  // namespace quantsim::ops
