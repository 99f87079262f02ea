// SoftmaxCrossEntropyLoss (ONNX opset 12/13): scores [N, C, D1..Dk] f32,
// labels [N, D1..Dk] int64 -> loss ([] for reduction sum/mean, [N, D1..Dk]
// for none) [, log_prob [N, C, D1..Dk]]. Attrs: reduction ("mean" default),
// ignore_index (optional; samples with that label get loss and gradient 0
// and do not count in the mean; mean over no sample is NaN). The optional
// class weights w [C] (input 2) scale each sample's loss by w[label], and
// "mean" divides by the sum of the weights of the samples kept (ONNX spec);
// they run the kernels per sample (reduction none) and reduce here.
// On kernels::SoftmaxCrossEntropyForward/Backward (fused, double sums).
// Backward: the internal op SoftmaxCrossEntropyLossGrad (dloss, scores,
// labels[, weights]) -> dscores = (softmax - onehot) * g * w[label]; a
// gradient flowing into
// log_prob adds SoftmaxGrad(log=1) of it. Labels get no gradient.
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/softmax/softmax.h"
#include "ops/loss_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct Sizes {
  int64_t n, c, d;
};

// Checks scores [N, C, rest...] against labels [N, rest...].
absl::StatusOr<Sizes> CheckShapes(const engine::Tensor& scores,
                                  const engine::Tensor& labels) {
  const engine::Shape& s = scores.shape();
  if (s.rank() < 2 || labels.dtype() != engine::DType::kI64 ||
      labels.rank() != s.rank() - 1 || labels.dim(0) != s.dim(0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scores ", s.ToString(), " and labels ",
        engine::DTypeName(labels.dtype()), labels.shape().ToString(),
        " must be [N, C, D...] and int64 [N, D...]"));
  }
  for (int i = 2; i < s.rank(); ++i) {
    if (labels.dim(i - 1) != s.dim(i)) {
      return absl::InvalidArgumentError(
          absl::StrCat("labels ", labels.shape().ToString(),
                       " do not match scores ", s.ToString()));
    }
  }
  return Sizes{s.dim(0), s.dim(1), s.Product(2, s.rank())};
}

class SceKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<SceKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<SceKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseLossConfig(node));
    k->grad_ = node.op_type == "SoftmaxCrossEntropyLossGrad";
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = grad_ ? 1 : 0;  // Grad: (dloss, scores, labels)
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(first).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor l, ctx.input(first + 1).Contiguous());
    absl::StatusOr<Sizes> z = CheckShapes(x, l);
    if (!z.ok()) return ctx.Error(std::string(z.status().message()));
    const int64_t* labels = l.data<int64_t>();
    absl::Status s = kernels::CheckSoftmaxCrossEntropyArgs(
        labels, z->n, z->c, z->d, c_.ignore_index, c_.reduction);
    if (!s.ok()) return ctx.Error(std::string(s.message()));
    const bool none = c_.reduction == kernels::LossReduction::kNone;
    if (ctx.has_input(first + 2)) {
      engine::Tensor w;
      QS_RETURN_IF_ERROR(ReadClassWeights(ctx, first + 2, z->c, w));
      return ComputeWeighted(ctx, x, labels, *z, w.data<float>());
    }
    if (grad_) {
      QS_ASSIGN_OR_RETURN(engine::Tensor dloss, ctx.input(0).Contiguous());
      if (dloss.numel() != (none ? l.numel() : 1)) {
        return ctx.Error("dloss " + dloss.shape().ToString() +
                         " does not match the loss");
      }
      QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
      kernels::SoftmaxCrossEntropyBackward(
          x.data<float>(), labels, z->n, z->c, z->d, c_.ignore_index,
          c_.reduction, dloss.data<float>(), dx.data<float>(), ctx.pool());
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor loss,
        ctx.AllocateOutput(0, none ? l.shape() : engine::Shape()));
    float* log_prob = nullptr;
    if (ctx.num_outputs() > 1) {
      QS_ASSIGN_OR_RETURN(engine::Tensor lp, ctx.AllocateOutput(1, x.shape()));
      log_prob = lp.data<float>();
    }
    kernels::SoftmaxCrossEntropyForward(
        x.data<float>(), labels, z->n, z->c, z->d, c_.ignore_index,
        c_.reduction, loss.data<float>(), log_prob, ctx.pool());
    return absl::OkStatus();
  }

 private:
  // Class weights: the kernels run per sample (reduction none); the weights
  // and the reduction are applied here.
  absl::Status ComputeWeighted(graph::KernelContext& ctx,
                               const engine::Tensor& x, const int64_t* labels,
                               const Sizes& z, const float* w) const {
    const int64_t m = z.n * z.d;
    const kernels::LossReduction red = c_.reduction;
    const bool none = red == kernels::LossReduction::kNone;
    double denom = 0;  // "mean": sum of the weights of the samples kept
    for (int64_t i = 0; i < m; ++i) {
      if (labels[i] != c_.ignore_index) denom += w[labels[i]];
    }
    auto weight = [&](int64_t i) {
      return labels[i] == c_.ignore_index ? 0.0f : w[labels[i]];
    };
    if (grad_) {
      QS_ASSIGN_OR_RETURN(engine::Tensor dloss, ctx.input(0).Contiguous());
      if (dloss.numel() != (none ? m : 1)) {
        return ctx.Error("dloss " + dloss.shape().ToString() +
                         " does not match the loss");
      }
      const float* g = dloss.data<float>();
      std::vector<float> per(m);
      for (int64_t i = 0; i < m; ++i) {
        const float gi = none ? g[i]
                         : red == kernels::LossReduction::kSum
                             ? g[0]
                             : static_cast<float>(g[0] / denom);
        per[i] = gi * weight(i);
      }
      QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
      kernels::SoftmaxCrossEntropyBackward(
          x.data<float>(), labels, z.n, z.c, z.d, c_.ignore_index,
          kernels::LossReduction::kNone, per.data(), dx.data<float>(),
          ctx.pool());
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor loss,
        ctx.AllocateOutput(0, none ? ctx.input(1).shape() : engine::Shape()));
    float* log_prob = nullptr;
    if (ctx.num_outputs() > 1) {
      QS_ASSIGN_OR_RETURN(engine::Tensor lp, ctx.AllocateOutput(1, x.shape()));
      log_prob = lp.data<float>();
    }
    std::vector<float> per(none ? 0 : m);
    float* out = none ? loss.data<float>() : per.data();
    kernels::SoftmaxCrossEntropyForward(
        x.data<float>(), labels, z.n, z.c, z.d, c_.ignore_index,
        kernels::LossReduction::kNone, out, log_prob, ctx.pool());
    double total = 0;
    for (int64_t i = 0; i < m; ++i) {
      out[i] *= weight(i);
      total += out[i];
    }
    if (!none) {
      if (red == kernels::LossReduction::kMean) total /= denom;
      loss.data<float>()[0] = static_cast<float>(total);
    }
    return absl::OkStatus();
  }

  LossConfig c_;
  bool grad_ = false;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(InferLoss(c, {"scores", "labels", "are"}));
  if (c.num_outputs() > 1) c.set_output(1, c.input(0));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  const graph::Node& node = b.node();
  graph::ValueId dx = graph::kNoValue;
  if (b.output_grad(0) != graph::kNoValue) {
    QS_ASSIGN_OR_RETURN(dx, b.Emit1("SoftmaxCrossEntropyLossGrad",
                                    LossGradInputs(b), node.attrs));
  }
  if (node.outputs.size() > 1 && b.output_grad(1) != graph::kNoValue) {
    QS_ASSIGN_OR_RETURN(graph::ValueId d2,
                        b.Emit1("SoftmaxGrad", {b.output(1), b.output_grad(1)},
                                {{"axis", int64_t{1}}, {"log", int64_t{1}}}));
    if (dx == graph::kNoValue) {
      dx = d2;
    } else {
      QS_ASSIGN_OR_RETURN(dx, b.Emit1("Add", {dx, d2}));
    }
  }
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeSoftmaxCrossEntropyLossOp() {
  graph::OpDef d;
  d.type = "SoftmaxCrossEntropyLoss";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.max_outputs = 2;
  d.attrs = LossAttrSpecs();
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<SceKernel>;
  d.backward = Backward;
  d.onnx = {"SoftmaxCrossEntropyLoss", "", 12};
  return d;
}

graph::OpDef MakeSoftmaxCrossEntropyLossGradOp() {
  graph::OpDef d = MakeLossGradOp("SoftmaxCrossEntropyLossGrad");
  d.make_cpu_kernel = MakeKernel<SceKernel>;
  return d;
}

}  // namespace quantsim::ops
