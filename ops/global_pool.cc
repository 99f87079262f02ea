// GlobalAveragePool / GlobalMaxPool (ONNX opset 1): x [N, C, D_1..D_k],
// k >= 1 -> y [N, C, 1, ..., 1] per (n, c) plane (kernels/cpu/pool):
//  - GlobalAveragePool: the mean (a double sum). Backward:
//    GlobalAveragePoolGrad (internal), dx = dy / S (x only gives the shape).
//  - GlobalMaxPool: the maximum (NaN wins). Backward: GlobalMaxPoolGrad
//    (internal) sends dy to the first argmax of the plane, recomputed from x
//    (one [N C] pass, no saved state).
// Both share the plumbing below; a Traits struct holds the kernels.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/pool/pool.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct AverageTraits {
  static constexpr const char* kType = "GlobalAveragePool";
  static constexpr const char* kGradType = "GlobalAveragePoolGrad";
  static void Forward(const engine::Tensor& x, engine::Tensor& y,
                      graph::KernelContext& ctx) {
    kernels::GlobalAveragePoolForward(x.data<float>(), x.dim(0) * x.dim(1),
                                      x.shape().Product(2, x.rank()),
                                      y.data<float>(), ctx.pool());
  }
  // x only gives the shape: no contiguous copy.
  static absl::StatusOr<engine::Tensor> GradInput(graph::KernelContext& ctx) {
    return ctx.input(1);
  }
  static void Backward(const engine::Tensor& dy, const engine::Tensor& x,
                       engine::Tensor& dx, graph::KernelContext& ctx) {
    kernels::GlobalAveragePoolBackward(dy.data<float>(), x.dim(0) * x.dim(1),
                                       x.shape().Product(2, x.rank()),
                                       dx.data<float>(), ctx.pool());
  }
};

struct MaxTraits {
  static constexpr const char* kType = "GlobalMaxPool";
  static constexpr const char* kGradType = "GlobalMaxPoolGrad";
  static void Forward(const engine::Tensor& x, engine::Tensor& y,
                      graph::KernelContext& ctx) {
    kernels::GlobalMaxPoolForward(x.data<float>(), x.dim(0) * x.dim(1),
                                  x.shape().Product(2, x.rank()),
                                  y.data<float>(), nullptr, ctx.pool());
  }
  static absl::StatusOr<engine::Tensor> GradInput(graph::KernelContext& ctx) {
    return ctx.input(1).Contiguous();
  }
  static void Backward(const engine::Tensor& dy, const engine::Tensor& x,
                       engine::Tensor& dx, graph::KernelContext& ctx) {
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t S = x.shape().Product(2, x.rank());
    std::vector<float> y(planes);
    std::vector<int64_t> arg(planes);
    kernels::GlobalMaxPoolForward(x.data<float>(), planes, S, y.data(),
                                  arg.data(), ctx.pool());
    kernels::GlobalMaxPoolBackward(dy.data<float>(), arg.data(), planes, S,
                                   dx.data<float>(), ctx.pool());
  }
};

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

template <typename T>
class GlobalPoolKernel final : public graph::OpKernel {
 public:
  explicit GlobalPoolKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_RETURN_IF_ERROR(CheckRank(ctx, x));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, PooledShape(x.shape())));
    T::Forward(x, y, ctx);
    return absl::OkStatus();
  }
};

// <Type>Grad (internal): (dy, x) -> dx.
template <typename T>
class GlobalPoolGradKernel final : public graph::OpKernel {
 public:
  explicit GlobalPoolGradKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, T::GradInput(ctx));
    QS_RETURN_IF_ERROR(CheckRank(ctx, x));
    if (dy.shape() != PooledShape(x.shape())) {
      return ctx.Error("dy does not match the pooled shape");
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    T::Backward(dy, x, dx, ctx);
    return absl::OkStatus();
  }
};

template <typename T>
absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1(T::kGradType, {b.output_grad(0), b.input(0)}));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

template <typename T>
graph::OpDef MakeGlobalPoolOp() {
  graph::OpDef d;
  d.type = T::kType;
  d.min_inputs = d.max_inputs = 1;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<GlobalPoolKernel<T>>;
  d.backward = Backward<T>;
  d.onnx = {T::kType, "", 1};
  return d;
}

template <typename T>
graph::OpDef MakeGlobalPoolGradOp() {
  graph::OpDef d;
  d.type = T::kGradType;
  d.min_inputs = d.max_inputs = 2;
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<GlobalPoolGradKernel<T>>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace

graph::OpDef MakeGlobalAveragePoolOp() {
  return MakeGlobalPoolOp<AverageTraits>();
}
graph::OpDef MakeGlobalAveragePoolGradOp() {
  return MakeGlobalPoolGradOp<AverageTraits>();
}
graph::OpDef MakeGlobalMaxPoolOp() { return MakeGlobalPoolOp<MaxTraits>(); }
graph::OpDef MakeGlobalMaxPoolGradOp() {
  return MakeGlobalPoolGradOp<MaxTraits>();
}

}  // namespace quantsim::ops
