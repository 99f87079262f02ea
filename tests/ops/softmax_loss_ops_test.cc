// Softmax, LogSoftmax, SoftmaxCrossEntropyLoss (ignore_index, reductions,
// log_prob output), NegativeLogLikelihoodLoss, MeanSquaredError: double
// references and FD gradients.
#include <cmath>
#include <limits>

#include "engine/tensor.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

DArray SoftmaxRef(const DArray& x, int axis, bool log) {
  const int r = static_cast<int>(x.dims.size());
  if (axis < 0) axis += r;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dims[i];
  for (int i = axis + 1; i < r; ++i) inner *= x.dims[i];
  const int64_t n = x.dims[axis];
  DArray y = x;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < n; ++k) m = std::max(m, x.v[at(k)]);
      double s = 0;
      for (int64_t k = 0; k < n; ++k) s += std::exp(x.v[at(k)] - m);
      for (int64_t k = 0; k < n; ++k) {
        const double lp = x.v[at(k)] - m - std::log(s);
        y.v[at(k)] = log ? lp : std::exp(lp);
      }
    }
  }
  return y;
}

TEST(SoftmaxOps, AxesAndGradients) {
  for (const std::string op : {"Softmax", "LogSoftmax"}) {
    for (int axis : {-1, 0, 1, 2}) {
      OpCase c;
      c.op = op;
      c.shapes = {{3, 4, 5}};
      if (axis != -1) c.attrs.Set("axis", int64_t{axis});
      c.reference = [axis, op](const std::vector<DArray>& in) {
        return std::vector<DArray>{SoftmaxRef(in[0], axis, op == "LogSoftmax")};
      };
      c.grad_inputs = {0};
      c.lo = -4.0f;
      c.hi = 4.0f;
      CheckOp(c, op + " axis " + std::to_string(axis));
    }
  }
}

constexpr int64_t kIgnore = -100;

Tensor Labels(const std::vector<int64_t>& dims, std::vector<int64_t> v) {
  return Tensor::FromVector(Shape(dims), v).value();
}

// Loss per `reduction` from per-sample values (ignored samples excluded from
// the mean's count).
DArray Reduce(const std::vector<double>& per, const std::vector<bool>& used,
              const std::vector<int64_t>& dims, const std::string& reduction) {
  if (reduction == "none") return DArray{dims, per};
  double s = 0;
  int64_t count = 0;
  for (size_t i = 0; i < per.size(); ++i) {
    s += per[i];
    count += used[i];
  }
  return DArray{{}, {reduction == "sum" ? s : s / count}};
}

// x [N, C, D...] -> (per-sample -x[n, label, d] of f(x)), per reduction.
// log_softmax: apply log-softmax over C first (SoftmaxCrossEntropyLoss).
std::vector<DArray> NllRef(const DArray& x, const std::vector<int64_t>& ldims,
                           const std::vector<int64_t>& labels,
                           const std::string& reduction, bool log_softmax,
                           bool with_log_prob, int64_t ignore) {
  const DArray lp = log_softmax ? SoftmaxRef(x, 1, true) : x;
  const int64_t N = x.dims[0], C = x.dims[1];
  const int64_t D = x.numel() / (N * C);
  std::vector<double> per(N * D, 0.0);
  std::vector<bool> used(N * D, false);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t d = 0; d < D; ++d) {
      const int64_t l = labels[n * D + d];
      if (l == ignore) continue;
      used[n * D + d] = true;
      per[n * D + d] = -lp.v[(n * C + l) * D + d];
    }
  }
  std::vector<DArray> out = {Reduce(per, used, ldims, reduction)};
  if (with_log_prob) out.push_back(lp);
  return out;
}

struct LossCase {
  std::vector<int64_t> x_dims, l_dims;
  std::vector<int64_t> labels;
};

const std::vector<LossCase> kLossCases = {
    {{4, 5}, {4}, {0, kIgnore, 4, 2}},
    {{3, 4, 2, 2}, {3, 2, 2}, {0, 1, 2, 3, 3, kIgnore, 1, 0, 2, 2, kIgnore, 1}},
    {{2, 3}, {2}, {2, 1}},
};

TEST(LossOps, SoftmaxCrossEntropyLoss) {
  for (const std::string reduction : {"mean", "sum", "none"}) {
    for (bool log_prob : {false, true}) {
      for (size_t k = 0; k < kLossCases.size(); ++k) {
        const LossCase& lc = kLossCases[k];
        OpCase c;
        c.op = "SoftmaxCrossEntropyLoss";
        c.shapes = {lc.x_dims};
        c.constants = {Labels(lc.l_dims, lc.labels)};
        c.attrs = {{"reduction", reduction}, {"ignore_index", kIgnore}};
        c.num_outputs = log_prob ? 2 : 1;
        c.reference = [lc, reduction, log_prob](const std::vector<DArray>& in) {
          return NllRef(in[0], lc.l_dims, lc.labels, reduction, true, log_prob,
                        kIgnore);
        };
        c.grad_inputs = {0};
        CheckOp(c, "SCE " + reduction + (log_prob ? " +log_prob" : "") +
                       " case " + std::to_string(k));
      }
    }
  }
}

TEST(LossOps, SoftmaxCrossEntropyWithoutIgnoreIndex) {
  OpCase c;
  c.op = "SoftmaxCrossEntropyLoss";
  c.shapes = {{3, 4}};
  c.constants = {Labels({3}, {3, 0, 1})};
  c.reference = [](const std::vector<DArray>& in) {
    return NllRef(in[0], {3}, {3, 0, 1}, "mean", true, false, kIgnore);
  };
  c.grad_inputs = {0};
  CheckOp(c, "SCE default reduction mean, no ignore_index");
}

TEST(LossOps, NegativeLogLikelihoodLoss) {
  for (const std::string reduction : {"mean", "sum", "none"}) {
    for (size_t k = 0; k < kLossCases.size(); ++k) {
      const LossCase& lc = kLossCases[k];
      OpCase c;
      c.op = "NegativeLogLikelihoodLoss";
      c.shapes = {lc.x_dims};
      c.constants = {Labels(lc.l_dims, lc.labels)};
      c.attrs = {{"reduction", reduction}, {"ignore_index", kIgnore}};
      c.reference = [lc, reduction](const std::vector<DArray>& in) {
        return NllRef(in[0], lc.l_dims, lc.labels, reduction, false, false,
                      kIgnore);
      };
      c.grad_inputs = {0};
      CheckOp(c, "NLL " + reduction + " case " + std::to_string(k));
    }
  }
}

// Class weights w [C]: per-sample loss * w[label]; "mean" divides by the sum
// of the weights of the samples kept.
std::vector<DArray> WeightedNllRef(const DArray& x,
                                   const std::vector<int64_t>& ldims,
                                   const std::vector<int64_t>& labels,
                                   const std::vector<float>& w,
                                   const std::string& reduction,
                                   bool log_softmax) {
  const DArray lp = log_softmax ? SoftmaxRef(x, 1, true) : x;
  const int64_t N = x.dims[0], C = x.dims[1];
  const int64_t D = x.numel() / (N * C);
  std::vector<double> per(N * D, 0.0);
  double total = 0, weights = 0;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t d = 0; d < D; ++d) {
      const int64_t l = labels[n * D + d];
      if (l == kIgnore) continue;
      per[n * D + d] = -lp.v[(n * C + l) * D + d] * w[l];
      total += per[n * D + d];
      weights += w[l];
    }
  }
  if (reduction == "none") return {DArray{ldims, per}};
  return {DArray{{}, {reduction == "sum" ? total : total / weights}}};
}

TEST(LossOps, ClassWeights) {
  const LossCase& lc = kLossCases[1];  // [3, 4, 2, 2], two ignored samples
  const std::vector<float> w = {0.5f, 2.0f, 1.0f, 0.25f};
  for (const std::string op :
       {"SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss"}) {
    const bool sce = op == "SoftmaxCrossEntropyLoss";
    for (const std::string reduction : {"mean", "sum", "none"}) {
      OpCase c;
      c.op = op;
      c.shapes = {lc.x_dims};
      c.constants = {Labels(lc.l_dims, lc.labels),
                     Tensor::FromVector(Shape({4}), w).value()};
      c.attrs = {{"reduction", reduction}, {"ignore_index", kIgnore}};
      c.reference = [lc, w, reduction, sce](const std::vector<DArray>& in) {
        return WeightedNllRef(in[0], lc.l_dims, lc.labels, w, reduction, sce);
      };
      c.grad_inputs = {0};
      CheckOp(c, op + " weighted " + reduction);
    }
  }
}

TEST(LossOps, MeanSquaredError) {
  for (const std::string reduction : {"mean", "sum", "none"}) {
    for (std::vector<int> grads :
         std::vector<std::vector<int>>{{0, 1}, {1}, {0}}) {
      OpCase c;
      c.op = "MeanSquaredError";
      c.shapes = {{3, 4, 5}, {3, 4, 5}};
      c.attrs = {{"reduction", reduction}};
      c.reference = [reduction](const std::vector<DArray>& in) {
        std::vector<double> per(in[0].numel());
        for (size_t i = 0; i < per.size(); ++i) {
          const double d = in[0].v[i] - in[1].v[i];
          per[i] = d * d;
        }
        return std::vector<DArray>{Reduce(
            per, std::vector<bool>(per.size(), true), in[0].dims, reduction)};
      };
      c.grad_inputs = grads;
      CheckOp(c, "MSE " + reduction + " grads " + std::to_string(grads.size()) +
                     std::to_string(grads[0]));
    }
  }
}

// Bad labels, class weights and mismatched shapes are errors naming the node.
TEST(LossOps, ErrorsNameTheNode) {
  engine::Context ctx({1});
  {
    graph::Graph g;
    auto x = g.AddInput("x", DType::kF32, {2, 3}).value();
    auto l = g.AddConstant("l", Labels({2}, {0, 3})).value();
    auto y =
        g.AddNode("SoftmaxCrossEntropyLoss", {x, l}, {}, 1, "sce_bad").value();
    ASSERT_TRUE(g.AddOutput(y[0]).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps()).value();
    absl::Status s =
        cg->Run(ctx, {Tensor::Zeros(Shape({2, 3}), DType::kF32).value()})
            .status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("sce_bad"), absl::string_view::npos) << s;
  }
  {
    graph::Graph g;
    auto x = g.AddInput("x", DType::kF32, {2, 3}).value();
    auto l = g.AddConstant("l", Labels({2}, {0, 5})).value();
    auto y = g.AddNode("NegativeLogLikelihoodLoss", {x, l}, {}, 1, "nll_bad")
                 .value();
    ASSERT_TRUE(g.AddOutput(y[0]).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps()).value();
    absl::Status s =
        cg->Run(ctx, {Tensor::Zeros(Shape({2, 3}), DType::kF32).value()})
            .status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("nll_bad"), absl::string_view::npos) << s;
  }
  {
    graph::Graph g;
    auto x = g.AddInput("x", DType::kF32, {2, 3}).value();
    auto l = g.AddConstant("l", Labels({2}, {0, 1})).value();
    // Class weights must be [C] (C = 3 here).
    auto w = g.AddConstant("w", Tensor::Zeros(Shape({4}), DType::kF32).value())
                 .value();
    auto y =
        g.AddNode("SoftmaxCrossEntropyLoss", {x, l, w}, {}, 1, "sce_w").value();
    ASSERT_TRUE(g.AddOutput(y[0]).ok());
    absl::Status s = graph::CompiledGraph::Compile(g, BuiltinOps()).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("sce_w"), absl::string_view::npos) << s;
  }
  {
    graph::Graph g;
    auto a = g.AddInput("a", DType::kF32, {2, 3}).value();
    auto b = g.AddInput("b", DType::kF32, {3, 2}).value();
    auto y = g.AddNode("MeanSquaredError", {a, b}, {}, 1, "mse_bad").value();
    ASSERT_TRUE(g.AddOutput(y[0]).ok());
    absl::Status s = graph::CompiledGraph::Compile(g, BuiltinOps()).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("mse_bad"), absl::string_view::npos) << s;
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
