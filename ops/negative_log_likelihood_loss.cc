// NegativeLogLikelihoodLoss (ONNX opset 12/13): input [N, C, D1..Dk] f32
// (log-probabilities), target [N, D1..Dk] int64 -> loss[n, d] = -input[n,
// target[n, d], d], reduced per `reduction` ("mean" default: sum / number of
// samples not ignored, NaN when all are; "sum"; "none" keeps [N, D1..Dk]).
// ignore_index (optional) zeroes a sample's loss and gradient. The optional
// class weights w [C] (input 2) scale each sample: loss[n, d] = -w[t] *
// input[n, t, d] with t = target[n, d], and "mean" divides by the sum of the
// weights of the samples not ignored instead of their count (ONNX spec).
// There is no kernel for this gather: the op runs it over fixed chunks of
// engine::ParallelFor (per-sample values) and sums them in double in index
// order, so results never depend on the thread count.
// Backward: the internal op NegativeLogLikelihoodLossGrad (dloss, input,
// target[, weights]) -> dinput, zero except -g * w[t] at [n, target, d].
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "engine/thread_pool.h"
#include "ops/loss_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

constexpr int64_t kGrain = int64_t{1} << 14;

struct Sizes {
  int64_t n, c, d, count;  // count: samples not ignored
};

absl::StatusOr<Sizes> Check(const engine::Tensor& x, const engine::Tensor& t,
                            int64_t ignore) {
  const engine::Shape& s = x.shape();
  bool ok = s.rank() >= 2 && t.dtype() == engine::DType::kI64 &&
            t.rank() == s.rank() - 1 && t.dim(0) == s.dim(0);
  for (int i = 2; ok && i < s.rank(); ++i) ok = t.dim(i - 1) == s.dim(i);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input ", s.ToString(), " and target ", engine::DTypeName(t.dtype()),
        t.shape().ToString(), " must be [N, C, D...] and int64 [N, D...]"));
  }
  Sizes z{s.dim(0), s.dim(1), s.Product(2, s.rank()), 0};
  const int64_t* tp = t.data<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (tp[i] == ignore) continue;
    if (tp[i] < 0 || tp[i] >= z.c) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target ", tp[i], " at ", i, " is outside [0, ", z.c, ")"));
    }
    ++z.count;
  }
  return z;
}

class NllKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<NllKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<NllKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseLossConfig(node));
    k->grad_ = node.op_type == "NegativeLogLikelihoodLossGrad";
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = grad_ ? 1 : 0;
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(first).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor t, ctx.input(first + 1).Contiguous());
    absl::StatusOr<Sizes> z = Check(x, t, c_.ignore_index);
    if (!z.ok()) return ctx.Error(std::string(z.status().message()));
    const bool none = c_.reduction == kernels::LossReduction::kNone;
    const float* xp = x.data<float>();
    const int64_t* tp = t.data<int64_t>();
    const int64_t C = z->c, D = z->d, ignore = c_.ignore_index;
    // Class weights: "mean" divides by their sum over the samples kept.
    const float* wp = nullptr;
    engine::Tensor w;
    double denom = static_cast<double>(z->count);
    if (ctx.has_input(first + 2)) {
      QS_RETURN_IF_ERROR(ReadClassWeights(ctx, first + 2, C, w));
      wp = w.data<float>();
      denom = 0;
      for (int64_t i = 0; i < t.numel(); ++i) {
        if (tp[i] != ignore) denom += wp[tp[i]];
      }
    }
    if (grad_) {
      QS_ASSIGN_OR_RETURN(engine::Tensor dl, ctx.input(0).Contiguous());
      if (dl.numel() != (none ? t.numel() : 1)) {
        return ctx.Error("dloss " + dl.shape().ToString() +
                         " does not match the loss");
      }
      const float* g = dl.data<float>();
      const kernels::LossReduction red = c_.reduction;
      QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
      float* dxp = dx.data<float>();
      std::memset(dxp, 0, dx.nbytes());
      engine::ParallelFor(
          ctx.pool(), t.numel(), kGrain, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
              if (tp[i] == ignore) continue;
              const float gi = red == kernels::LossReduction::kNone ? g[i]
                               : red == kernels::LossReduction::kSum
                                   ? g[0]
                                   : static_cast<float>(g[0] / denom);
              const int64_t n = i / D, d = i % D;
              dxp[(n * C + tp[i]) * D + d] = wp ? -gi * wp[tp[i]] : -gi;
            }
          });
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor loss,
        ctx.AllocateOutput(0, none ? t.shape() : engine::Shape()));
    std::vector<float> per(none ? 0 : t.numel());
    float* out = none ? loss.data<float>() : per.data();
    engine::ParallelFor(
        ctx.pool(), t.numel(), kGrain, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            const int64_t n = i / D, d = i % D;
            const float v = -xp[(n * C + tp[i]) * D + d];
            out[i] = tp[i] == ignore ? 0.0f : wp ? v * wp[tp[i]] : v;
          }
        });
    if (!none) {
      double total = 0;
      for (float v : per) total += v;
      if (c_.reduction == kernels::LossReduction::kMean) {
        total /= denom;
      }
      loss.data<float>()[0] = static_cast<float>(total);
    }
    return absl::OkStatus();
  }

 private:
  LossConfig c_;
  bool grad_ = false;
};

absl::Status Infer(graph::InferContext& c) {
  return InferLoss(c, {"input", "target", "is"});
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("NegativeLogLikelihoodLossGrad",
                              LossGradInputs(b), b.node().attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeNegativeLogLikelihoodLossOp() {
  graph::OpDef d;
  d.type = "NegativeLogLikelihoodLoss";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = LossAttrSpecs();
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<NllKernel>;
  d.backward = Backward;
  d.onnx = {"NegativeLogLikelihoodLoss", "", 12};
  return d;
}

graph::OpDef MakeNegativeLogLikelihoodLossGradOp() {
  graph::OpDef d = MakeLossGradOp("NegativeLogLikelihoodLossGrad");
  d.make_cpu_kernel = MakeKernel<NllKernel>;
  return d;
}

}  // namespace quantsim::ops
