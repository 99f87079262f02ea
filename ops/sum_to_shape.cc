// SumToShape (internal): sums `x` over the axes along which `like` was
// broadcast (numpy rules), giving a tensor shaped like `like`. Emitted by
// the backward of broadcasting ops. Deterministic: fixed summation order.
#include "engine/status.h"
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
    const int r = x.rank();
    const int offset = r - target.rank();
    if (offset < 0) return ctx.Error("target has a higher rank than input");
    // out_strides[i]: stride into the output for input axis i (0 if summed).
    std::vector<int64_t> out_strides(r, 0);
    const std::vector<int64_t> ts = target.ContiguousStrides();
    for (int i = offset; i < r; ++i) {
      const int64_t td = target.dim(i - offset);
      if (td == x.dim(i)) {
        out_strides[i] = ts[i - offset];
      } else if (td != 1) {
        return ctx.Error("input " + x.shape().ToString() +
                         " does not reduce to " + target.ToString());
      }
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, target));
    QS_ASSIGN_OR_RETURN(engine::Tensor xc, x.Contiguous());
    std::vector<double> acc(target.NumElements(), 0.0);
    std::vector<int64_t> idx(r, 0);
    const float* xd = xc.data<float>();
    int64_t o = 0;
    for (int64_t n = 0; n < xc.numel(); ++n) {
      acc[o] += xd[n];
      for (int i = r - 1; i >= 0; --i) {
        o += out_strides[i];
        if (++idx[i] < x.dim(i)) break;
        o -= out_strides[i] * idx[i];
        idx[i] = 0;
      }
    }
    for (int64_t i = 0; i < y.numel(); ++i) {
      y.data<float>()[i] = static_cast<float>(acc[i]);
    }
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
