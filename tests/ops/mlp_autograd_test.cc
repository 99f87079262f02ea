// End-to-end autograd through the elementwise ops: a 2-layer MLP written
// without MatMul (Mul + ReduceSum), Relu, SoftmaxCrossEntropyLoss with an
// ignored sample, plus an L2 term on W2 (MeanSquaredError against zeros) so
// W2's gradient accumulates over two consumers. Gradients of all parameters
// from graph::BuildBackward must match central finite differences of an
// independent double-precision model.
#include <cmath>
#include <random>

#include "engine/tensor.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

constexpr int B = 5, I = 4, H = 6, C = 3;
constexpr int64_t kIgnore = -1;
constexpr double kL2 = 0.1;

struct Params {
  std::vector<double> w1, b1, w2, b2;  // [H, I], [H], [H, C], [C]
};

// Double reference: h = relu(W1 x + b1); logits = h^T W2 + b2;
// loss = mean over non-ignored samples of CE + kL2 * mean(W2^2).
double Loss(const Params& p, const std::vector<double>& x,
            const std::vector<int64_t>& labels) {
  double total = 0;
  int count = 0;
  for (int b = 0; b < B; ++b) {
    double h[H];
    for (int j = 0; j < H; ++j) {
      double s = p.b1[j];
      for (int i = 0; i < I; ++i) s += p.w1[j * I + i] * x[b * I + i];
      h[j] = s > 0 ? s : 0;
    }
    double logit[C], m = -1e300;
    for (int c = 0; c < C; ++c) {
      double s = p.b2[c];
      for (int j = 0; j < H; ++j) s += h[j] * p.w2[j * C + c];
      logit[c] = s;
      m = std::max(m, s);
    }
    if (labels[b] == kIgnore) continue;
    double z = 0;
    for (int c = 0; c < C; ++c) z += std::exp(logit[c] - m);
    total += -(logit[labels[b]] - m - std::log(z));
    ++count;
  }
  double l2 = 0;
  for (double w : p.w2) l2 += w * w;
  return total / count + kL2 * l2 / p.w2.size();
}

Tensor ToTensor(const std::vector<int64_t>& dims,
                const std::vector<double>& v) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::FromVector(Shape(dims), f).value();
}

TEST(MlpAutograd, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto rand = [&](int n) {
    std::vector<double> v(n);
    for (double& e : v) e = u(rng);  // float-representable values
    return v;
  };
  Params p{rand(H * I), rand(H), rand(H * C), rand(C)};
  const std::vector<double> x = rand(B * I);
  const std::vector<int64_t> labels = {2, 0, kIgnore, 1, 2};

  graph::Graph g;
  auto xin = g.AddInput("x", DType::kF32, {-1, 1, I}).value();  // [B, 1, I]
  auto w1 = g.AddParameter("w1", ToTensor({H, I}, p.w1)).value();
  auto b1 = g.AddParameter("b1", ToTensor({H, 1}, p.b1)).value();
  auto w2 = g.AddParameter("w2", ToTensor({H, C}, p.w2)).value();
  auto b2 = g.AddParameter("b2", ToTensor({C}, p.b2)).value();
  auto lab =
      g.AddConstant("labels", Tensor::FromVector(Shape({B}), labels).value())
          .value();
  auto zeros =
      g.AddConstant("zeros", Tensor::Zeros(Shape({H, C}), DType::kF32).value())
          .value();
  auto l2w =
      g.AddConstant("l2", Tensor::FromVector<float>(Shape(), {kL2}).value())
          .value();
  auto node = [&](const std::string& op, std::vector<graph::ValueId> in,
                  graph::Attributes attrs = {}) {
    absl::StatusOr<std::vector<graph::ValueId>> o = g.AddNode(op, in, attrs);
    EXPECT_TRUE(o.ok()) << o.status();
    return (*o)[0];
  };
  auto prod1 = node("Mul", {xin, w1});  // [B, H, I]
  auto pre1 = node("ReduceSum", {prod1},
                   {{"axes", std::vector<int64_t>{2}}});  // [B, H, 1]
  auto h = node("Relu", {node("Add", {pre1, b1})});       // [B, H, 1]
  auto prod2 = node("Mul", {h, w2});                      // [B, H, C]
  auto logits =
      node("Add",
           {node("ReduceSum", {prod2},
                 {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}}),
            b2});  // [B, C]
  auto ce = node("SoftmaxCrossEntropyLoss", {logits, lab},
                 {{"ignore_index", kIgnore}});
  auto reg = node("Mul", {node("MeanSquaredError", {w2, zeros}), l2w});
  auto loss = node("Add", {ce, reg});
  ASSERT_TRUE(g.AddOutput(loss).ok());

  absl::StatusOr<graph::BackwardGraph> bg =
      graph::BuildBackward(g, loss, {w1, b1, w2, b2}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({2});
  auto run = (*cg)->Run(ctx, {ToTensor({B, 1, I}, x)}, opts);
  ASSERT_TRUE(run.ok()) << run.status();

  const double want_loss = Loss(p, x, labels);
  EXPECT_NEAR(run->outputs[0].data<float>()[0], want_loss,
              1e-5 * std::fabs(want_loss));

  std::vector<double>* fields[] = {&p.w1, &p.b1, &p.w2, &p.b2};
  const char* names[] = {"w1", "b1", "w2", "b2"};
  constexpr double kEps = 1e-4;
  for (int k = 0; k < 4; ++k) {
    const Tensor& grad = run->fetched[k];
    ASSERT_EQ(grad.numel(), static_cast<int64_t>(fields[k]->size()));
    for (size_t j = 0; j < fields[k]->size(); ++j) {
      Params pp = p, pm = p;
      std::vector<double>* fp[] = {&pp.w1, &pp.b1, &pp.w2, &pp.b2};
      std::vector<double>* fm[] = {&pm.w1, &pm.b1, &pm.w2, &pm.b2};
      (*fp[k])[j] += kEps;
      (*fm[k])[j] -= kEps;
      const double fd =
          (Loss(pp, x, labels) - Loss(pm, x, labels)) / (2 * kEps);
      EXPECT_NEAR(grad.data<float>()[j], fd, 1e-4 + 1e-3 * std::fabs(fd))
          << names[k] << "[" << j << "]";
    }
  }
}

}  // namespace
}  // namespace quantsim::ops
