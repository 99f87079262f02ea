// Gemm (ONNX, opset 11+ form): Y = alpha * op(A) * op(B) + beta * C.
//   inputs:  A [M, K] ([K, M] if transA), B [K, N] ([N, K] if transB),
//            optional C unidirectionally broadcastable to [M, N]
//   attrs:   alpha, beta (default 1), transA, transB (default 0)
// Runs kernels::Gemm: a C of one row / one column / one value becomes the
// fused per-column / per-row bias (scaled by beta), a full C is copied into
// Y and accumulated with the kernel's beta.
// Backward (dY = dL/dY), as Gemm nodes so it stays differentiable:
//   dA = alpha dY op(B)^T  (transposed when transA)
//   dB = alpha op(A)^T dY  (transposed when transB)
//   dC = beta * (dY summed to C's shape)   (internal op GemmGradC)
#include "kernels/cpu/gemm/gemm.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/binary/binary_grad.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct GemmAttrs {
  float alpha = 1.0f, beta = 1.0f;
  bool trans_a = false, trans_b = false;
};

absl::StatusOr<GemmAttrs> ParseGemmAttrs(const graph::Attributes& attrs,
                                         const std::string& where) {
  GemmAttrs g;
  QS_ASSIGN_OR_RETURN(g.alpha, attrs.GetFloatOr("alpha", 1.0f, where));
  QS_ASSIGN_OR_RETURN(g.beta, attrs.GetFloatOr("beta", 1.0f, where));
  QS_ASSIGN_OR_RETURN(int64_t ta, attrs.GetIntOr("transA", 0, where));
  QS_ASSIGN_OR_RETURN(int64_t tb, attrs.GetIntOr("transB", 0, where));
  g.trans_a = ta != 0;
  g.trans_b = tb != 0;
  return g;
}

// Whether dims `c` broadcast unidirectionally to [m, n] (-1 = unknown).
bool BroadcastsTo(const std::vector<int64_t>& c, int64_t m, int64_t n) {
  if (c.size() > 2) return false;
  const int64_t target[2] = {m, n};
  for (size_t i = 0; i < c.size(); ++i) {
    const int64_t t = target[2 - c.size() + i];
    if (c[i] != 1 && c[i] >= 0 && t >= 0 && c[i] != t) return false;
  }
  return true;
}

class GemmKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<GemmKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<GemmKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseGemmAttrs(node.attrs, node.Describe()));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor a, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor b, ctx.input(1).Contiguous());
    if (a.rank() != 2 || b.rank() != 2) {
      return ctx.Error("A " + a.shape().ToString() + " and B " +
                       b.shape().ToString() + " must be rank 2");
    }
    const int64_t m = a_.trans_a ? a.dim(1) : a.dim(0);
    const int64_t k = a_.trans_a ? a.dim(0) : a.dim(1);
    const int64_t kb = a_.trans_b ? b.dim(1) : b.dim(0);
    const int64_t n = a_.trans_b ? b.dim(0) : b.dim(1);
    if (k != kb) {
      return ctx.Error(absl::StrCat("inner dimensions differ: op(A) [", m, ", ",
                                    k, "], op(B) [", kb, ", ", n, "]"));
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape({m, n})));
    kernels::GemmParams p =
        kernels::MakeGemmParams(m, n, k, a_.trans_a, a_.trans_b);
    p.alpha = a_.alpha;
    kernels::GemmEpilogue e;
    std::vector<float> bias;
    if (ctx.has_input(2) && a_.beta != 0.0f) {
      QS_ASSIGN_OR_RETURN(engine::Tensor c, ctx.input(2).Contiguous());
      const std::vector<int64_t>& cd = c.shape().dims();
      if (!BroadcastsTo(cd, m, n)) {
        return ctx.Error("C " + c.shape().ToString() +
                         " does not broadcast to " + y.shape().ToString());
      }
      const int64_t cm = cd.size() == 2 ? cd[0] : 1;
      const int64_t cn = cd.empty() ? 1 : cd.back();
      const float* cv = c.data<float>();
      if (cm == m && cn == n && m > 1 && n > 1) {  // full C
        std::copy(cv, cv + m * n, y.data<float>());
        p.beta = a_.beta;
      } else {
        const bool per_row = cn == 1 && cm == m && m > 1;
        const int64_t len = per_row ? m : n;
        e.bias_kind = per_row ? kernels::GemmBias::kPerRow
                              : kernels::GemmBias::kPerColumn;
        bias.resize(len);
        for (int64_t i = 0; i < len; ++i) {
          bias[i] = a_.beta * cv[c.numel() == 1 ? 0 : i];
        }
        e.bias = bias.data();
      }
    }
    if (k == 0) {  // empty sum: Y = beta * C (broadcast) or 0
      float* yd = y.data<float>();
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          float v = p.beta != 0.0f ? p.beta * yd[i * n + j] : 0.0f;
          if (e.bias_kind == kernels::GemmBias::kPerRow) v += e.bias[i];
          if (e.bias_kind == kernels::GemmBias::kPerColumn) v += e.bias[j];
          yd[i * n + j] = v;
        }
      }
      return absl::OkStatus();
    }
    kernels::Gemm(p, a.data<float>(), b.data<float>(), y.data<float>(), e,
                  ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }

 private:
  GemmAttrs a_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireRank(c, 0, 2));
  QS_RETURN_IF_ERROR(RequireRank(c, 1, 2));
  QS_ASSIGN_OR_RETURN(GemmAttrs g,
                      ParseGemmAttrs(c.attrs(), c.node().Describe()));
  const std::vector<int64_t>& ad = c.input(0).dims;
  const std::vector<int64_t>& bd = c.input(1).dims;
  const int64_t m = g.trans_a ? ad[1] : ad[0];
  const int64_t k = g.trans_a ? ad[0] : ad[1];
  const int64_t kb = g.trans_b ? bd[1] : bd[0];
  const int64_t n = g.trans_b ? bd[0] : bd[1];
  if (k >= 0 && kb >= 0 && k != kb) {
    return c.Error("inner dimensions differ: A " + c.input(0).ToString() +
                   ", B " + c.input(1).ToString());
  }
  if (c.has_input(2)) {
    QS_RETURN_IF_ERROR(RequireRank(c, 2, -1));
    if (!BroadcastsTo(c.input(2).dims, m, n)) {
      return c.Error(absl::StrCat("C ", c.input(2).ToString(),
                                  " does not broadcast to [", m, ", ", n, "]"));
    }
  }
  c.set_output(0, TypeWithDims(engine::DType::kF32, {m, n}));
  return absl::OkStatus();
}

graph::Attributes GemmAttr(float alpha, bool ta, bool tb) {
  return {{"alpha", alpha},
          {"transA", int64_t{ta ? 1 : 0}},
          {"transB", int64_t{tb ? 1 : 0}}};
}

absl::Status Backward(graph::GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(GemmAttrs g,
                      ParseGemmAttrs(b.node().attrs, b.node().Describe()));
  const graph::ValueId dy = b.output_grad(0);
  const graph::ValueId a = b.input(0), bb = b.input(1);
  if (b.needs_input_grad(0)) {
    absl::StatusOr<graph::ValueId> da =
        g.trans_a
            ? b.Emit1("Gemm", {bb, dy}, GemmAttr(g.alpha, g.trans_b, true))
            : b.Emit1("Gemm", {dy, bb}, GemmAttr(g.alpha, false, !g.trans_b));
    if (!da.ok()) return da.status();
    b.SetInputGrad(0, *da);
  }
  if (b.needs_input_grad(1)) {
    absl::StatusOr<graph::ValueId> db =
        g.trans_b
            ? b.Emit1("Gemm", {dy, a}, GemmAttr(g.alpha, true, g.trans_a))
            : b.Emit1("Gemm", {a, dy}, GemmAttr(g.alpha, !g.trans_a, false));
    if (!db.ok()) return db.status();
    b.SetInputGrad(1, *db);
  }
  if (b.node().inputs.size() > 2 && b.input(2) != graph::kNoValue &&
      b.needs_input_grad(2)) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId dc,
        b.Emit1("GemmGradC", {dy, b.input(2)}, {{"beta", g.beta}}));
    b.SetInputGrad(2, dc);
  }
  return absl::OkStatus();
}

// GemmGradC(dy, c) -> beta * (dy summed over the axes c was broadcast on).
class GemmGradCKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<GemmGradCKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<GemmGradCKernel>();
    QS_ASSIGN_OR_RETURN(k->beta_,
                        node.attrs.GetFloatOr("beta", 1.0f, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    const engine::Shape& cs = ctx.input(1).shape();
    if (dy.rank() != 2 || cs.rank() > 2) return ctx.Error("bad ranks");
    kernels::Dims yd{dy.dim(0), dy.dim(1)}, cd;
    for (int i = 0; i < cs.rank(); ++i) cd.d[cd.rank++] = cs.dim(i);
    QS_ASSIGN_OR_RETURN(engine::Tensor dc, ctx.AllocateOutput(0, cs));
    absl::Status s = kernels::ReduceToShapeChecked(
        dy.data<float>(), yd, dc.data<float>(), cd, ctx.pool(), ctx.isa());
    if (!s.ok()) return ctx.Error(std::string(s.message()));
    if (beta_ != 1.0f) {
      float* d = dc.data<float>();
      for (int64_t i = 0; i < dc.numel(); ++i) d[i] *= beta_;
    }
    return absl::OkStatus();
  }

 private:
  float beta_ = 1.0f;
};

}  // namespace

graph::OpDef MakeGemmOp() {
  graph::OpDef d;
  d.type = "Gemm";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = {{"alpha", graph::AttrType::kFloat},
             {"beta", graph::AttrType::kFloat},
             {"transA", graph::AttrType::kInt},
             {"transB", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<GemmKernel>;
  d.backward = Backward;
  d.onnx = {"Gemm", "", 11};
  return d;
}

graph::OpDef MakeGemmGradCOp() {
  graph::OpDef d;
  d.type = "GemmGradC";
  d.min_inputs = d.max_inputs = 2;
  d.attrs = {{"beta", graph::AttrType::kFloat}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<GemmGradCKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
