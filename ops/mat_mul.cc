// MatMul (ONNX; numpy matmul semantics): a 1-D A is promoted to [1, K] and
// a 1-D B to [K, 1] (the added dim is dropped from Y); the batch dims
// (all but the last two) broadcast. Maps onto kernels::Gemm:
//  - B one matrix and A not broadcast (the [..., M, K] x [K, N] of linear
//    layers): ONE Gemm with M' = batch * M;
//  - otherwise one Gemm per output batch, batches spread over the pool when
//    there are at least as many as threads (each Gemm serial), else each
//    Gemm threaded. Gemm is thread-count invariant, so results are too.
// Backward, through internal ops (Y = A B per batch):
//   dA = MatMulGradA(dY, A, B) = dY B^T summed over A's broadcast batches
//   dB = MatMulGradB(dY, A, B) = A^T dY summed over B's broadcast batches
// Sums over broadcast batches accumulate in batch order (Gemm beta = 1).
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/gemm/gemm.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// fn(i, pool_for_the_gemm) for i in [0, n).
void RunBatched(engine::ThreadPool* pool, int64_t n,
                const std::function<void(int64_t, engine::ThreadPool*)>& fn) {
  if (pool != nullptr && n >= pool->num_threads() && n > 1) {
    pool->ParallelFor(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) fn(i, nullptr);
    });
  } else {
    for (int64_t i = 0; i < n; ++i) fn(i, pool);
  }
}

struct Operands {
  engine::Tensor a, b;
  MatMulGeometry geo;
};

absl::StatusOr<Operands> Prepare(const graph::KernelContext& ctx, int ia,
                                 int ib) {
  Operands o;
  QS_ASSIGN_OR_RETURN(o.a, ctx.input(ia).Contiguous());
  QS_ASSIGN_OR_RETURN(o.b, ctx.input(ib).Contiguous());
  absl::StatusOr<MatMulGeometry> g =
      ComputeMatMulGeometry(o.a.shape().dims(), o.b.shape().dims(), true);
  if (!g.ok()) return ctx.Error(std::string(g.status().message()));
  o.geo = std::move(*g);
  return o;
}

// A single (unbroadcast) A stacked over the batch times a single B.
bool Folds(const MatMulGeometry& g) {
  return g.b_batches == 1 &&
         g.a_batches == static_cast<int64_t>(g.a_offset.size());
}

class MatMulKernel final : public graph::OpKernel {
 public:
  explicit MatMulKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Operands o, Prepare(ctx, 0, 1));
    const MatMulGeometry& g = o.geo;
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(g.y_dims)));
    const float* a = o.a.data<float>();
    const float* b = o.b.data<float>();
    float* yd = y.data<float>();
    const int64_t batches = static_cast<int64_t>(g.a_offset.size());
    if (g.k == 0) {  // empty sums
      std::fill(yd, yd + y.numel(), 0.0f);
      return absl::OkStatus();
    }
    if (Folds(g)) {
      kernels::Gemm(kernels::MakeGemmParams(batches * g.m, g.n, g.k), a, b, yd,
                    {}, ctx.pool(), ctx.isa());
      return absl::OkStatus();
    }
    const kernels::GemmParams p = kernels::MakeGemmParams(g.m, g.n, g.k);
    RunBatched(ctx.pool(), batches, [&](int64_t t, engine::ThreadPool* pool) {
      kernels::Gemm(p, a + g.a_offset[t], b + g.b_offset[t], yd + t * g.m * g.n,
                    {}, pool, ctx.isa());
    });
    return absl::OkStatus();
  }
};

// MatMulGradA(dy, a, b) -> da (kGradA) or MatMulGradB(dy, a, b) -> db.
template <bool kGradA>
class MatMulGradKernel final : public graph::OpKernel {
 public:
  explicit MatMulGradKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(Operands o, Prepare(ctx, 1, 2));
    const MatMulGeometry& g = o.geo;
    if (dy.shape().dims() != g.y_dims) return ctx.Error("dy does not match y");
    const engine::Tensor& self = kGradA ? o.a : o.b;
    QS_ASSIGN_OR_RETURN(engine::Tensor out,
                        ctx.AllocateOutput(0, self.shape()));
    const float* a = o.a.data<float>();
    const float* b = o.b.data<float>();
    const float* d = dy.data<float>();
    float* od = out.data<float>();
    const int64_t batches = static_cast<int64_t>(g.a_offset.size());
    if (out.numel() == 0) return absl::OkStatus();
    // Empty sums (no batch, or a zero inner dim): the gradient is zero.
    if (batches == 0 || dy.numel() == 0) {
      std::fill(od, od + out.numel(), 0.0f);
      return absl::OkStatus();
    }
    // Per batch: dA_t [m, k] = dY_t [m, n] * B_t^T; dB_t [k, n] = A_t^T dY_t.
    kernels::GemmParams p =
        kGradA ? kernels::MakeGemmParams(g.m, g.k, g.n, false, true)
               : kernels::MakeGemmParams(g.k, g.n, g.m, true, false);
    if (Folds(g)) {
      if (kGradA) {
        p = kernels::MakeGemmParams(batches * g.m, g.k, g.n, false, true);
        kernels::Gemm(p, d, b, od, {}, ctx.pool(), ctx.isa());
      } else {
        p = kernels::MakeGemmParams(g.k, g.n, batches * g.m, true, false);
        kernels::Gemm(p, a, d, od, {}, ctx.pool(), ctx.isa());
      }
      return absl::OkStatus();
    }
    // Group output batches by the matrix of `self` they read.
    const std::vector<int64_t>& offs = kGradA ? g.a_offset : g.b_offset;
    const int64_t msize = kGradA ? g.m * g.k : g.k * g.n;
    const int64_t groups = kGradA ? g.a_batches : g.b_batches;
    std::vector<std::vector<int64_t>> members(groups);
    for (int64_t t = 0; t < batches; ++t) members[offs[t] / msize].push_back(t);
    RunBatched(ctx.pool(), groups, [&](int64_t j, engine::ThreadPool* pool) {
      kernels::GemmParams q = p;
      for (size_t i = 0; i < members[j].size(); ++i) {
        const int64_t t = members[j][i];
        q.beta = i == 0 ? 0.0f : 1.0f;
        const float* dt = d + t * g.m * g.n;
        if (kGradA) {
          kernels::Gemm(q, dt, b + g.b_offset[t], od + j * msize, {}, pool,
                        ctx.isa());
        } else {
          kernels::Gemm(q, a + g.a_offset[t], dt, od + j * msize, {}, pool,
                        ctx.isa());
        }
      }
    });
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireRank(c, 0, -1));
  QS_RETURN_IF_ERROR(RequireRank(c, 1, -1));
  absl::StatusOr<MatMulGeometry> g =
      ComputeMatMulGeometry(c.input(0).dims, c.input(1).dims, false);
  if (!g.ok()) return c.Error(std::string(g.status().message()));
  c.set_output(0, TypeWithDims(engine::DType::kF32, g->y_dims));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const graph::ValueId dy = b.output_grad(0);
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId da,
                        b.Emit1("MatMulGradA", {dy, b.input(0), b.input(1)}));
    b.SetInputGrad(0, da);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(graph::ValueId db,
                        b.Emit1("MatMulGradB", {dy, b.input(0), b.input(1)}));
    b.SetInputGrad(1, db);
  }
  return absl::OkStatus();
}

template <int like>
absl::Status InferLike(graph::InferContext& c) {
  c.set_output(0, c.input(like));
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeMatMulOp() {
  graph::OpDef d;
  d.type = "MatMul";
  d.min_inputs = d.max_inputs = 2;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<MatMulKernel>;
  d.backward = Backward;
  d.onnx = {"MatMul", "", 1};
  return d;
}

graph::OpDef MakeMatMulGradAOp() {
  graph::OpDef d;
  d.type = "MatMulGradA";
  d.min_inputs = d.max_inputs = 3;
  d.infer = InferLike<1>;
  d.make_cpu_kernel = MakeKernel<MatMulGradKernel<true>>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

graph::OpDef MakeMatMulGradBOp() {
  graph::OpDef d = MakeMatMulGradAOp();
  d.type = "MatMulGradB";
  d.infer = InferLike<2>;
  d.make_cpu_kernel = MakeKernel<MatMulGradKernel<false>>;
  return d;
}

}  // namespace quantsim::ops
