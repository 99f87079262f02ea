// GlobalMaxPool (ONNX opset 1): x [N, C, D_1..D_k], k >= 1 ->
//   y [N, C, 1, ..., 1], the maximum of every (n, c) plane (kernels/cpu/pool;
//   NaN wins). Backward: GlobalMaxPoolGrad (internal) sends dy to the first
//   argmax of the plane, recomputed from x (one [N C] pass, no saved state).
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/pool/pool.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// Output type of a global pool: [N, C, 1...]; rank >= 3.
absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  graph::ValueType y = c.input(0);
  if (y.has_rank) {
    if (y.dims.size() < 3) {
      return c.Error(absl::StrCat("input ", y.ToString(),
                                  " must have rank >= 3 [N, C, D...]"));
    }
    for (size_t i = 2; i < y.dims.size(); ++i) y.dims[i] = 1;
  }
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status CheckRank(graph::KernelContext& ctx, const engine::Tensor& x) {
  if (x.rank() < 3) {
    return ctx.Error(
        absl::StrCat("input ", x.shape().ToString(), " must have rank >= 3"));
  }
  return absl::OkStatus();
}

engine::Shape PooledShape(const engine::Shape& x) {
  std::vector<int64_t> d = x.dims();
  for (size_t i = 2; i < d.size(); ++i) d[i] = 1;
  return engine::Shape(std::move(d));
}

class GlobalMaxPoolKernel final : public graph::OpKernel {
 public:
  explicit GlobalMaxPoolKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_RETURN_IF_ERROR(CheckRank(ctx, x));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, PooledShape(x.shape())));
    kernels::GlobalMaxPoolForward(x.data<float>(), x.dim(0) * x.dim(1),
                                  x.shape().Product(2, x.rank()),
                                  y.data<float>(), nullptr, ctx.pool());
    return absl::OkStatus();
  }
};

// GlobalMaxPoolGrad (internal): (dy, x) -> dx.
class GlobalMaxPoolGradKernel final : public graph::OpKernel {
 public:
  explicit GlobalMaxPoolGradKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_RETURN_IF_ERROR(CheckRank(ctx, x));
    if (dy.shape() != PooledShape(x.shape())) {
      return ctx.Error("dy does not match the pooled shape");
    }
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t S = x.shape().Product(2, x.rank());
    std::vector<float> y(planes);
    std::vector<int64_t> arg(planes);
    kernels::GlobalMaxPoolForward(x.data<float>(), planes, S, y.data(),
                                  arg.data(), ctx.pool());
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    kernels::GlobalMaxPoolBackward(dy.data<float>(), arg.data(), planes, S,
                                   dx.data<float>(), ctx.pool());
    return absl::OkStatus();
  }
};

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(
      graph::ValueId dx,
      b.Emit1("GlobalMaxPoolGrad", {b.output_grad(0), b.input(0)}));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeGlobalMaxPoolOp() {
  graph::OpDef d;
  d.type = "GlobalMaxPool";
  d.min_inputs = d.max_inputs = 1;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<GlobalMaxPoolKernel>;
  d.backward = Backward;
  d.onnx = {"GlobalMaxPool", "", 1};
  return d;
}

graph::OpDef MakeGlobalMaxPoolGradOp() {
  graph::OpDef d;
  d.type = "GlobalMaxPoolGrad";
  d.min_inputs = d.max_inputs = 2;
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<GlobalMaxPoolGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
