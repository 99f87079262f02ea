// Range learning end to end: y = FakeQuantizeLearned(x; min, max), loss =
// MSE(y, clamp(x, -0.5, 0.5)), x ~ U(-2, 2), encodings start at [-1.5, 1.5];
// plain SGD on (min, max) through graph::BuildBackward must shrink the range
// to about [-0.5, 0.5] for both formulas, symmetric and not. Also: bad inputs
// are InvalidArgument naming the node.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/tensor.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "train/optimizer.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

Tensor Make(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromVector(Shape(dims), v).value();
}

struct TrainCase {
  const char* formula;
  bool symmetric;
};

TEST(FakeQuantizeLearnedTrain, SgdShrinksRangeTowardTarget) {
  constexpr int64_t kN = 4096;
  constexpr int kSteps = 60;
  constexpr float kClip = 0.5f;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> x(kN), t(kN);
  for (int64_t i = 0; i < kN; ++i) {
    x[i] = u(rng);
    t[i] = std::min(std::max(x[i], -kClip), kClip);
  }
  engine::Context ctx(engine::ContextOptions{2});
  for (const TrainCase& tc :
       {TrainCase{"aimet_v1", false}, TrainCase{"aimet_v1", true},
        TrainCase{"v2", false}, TrainCase{"v2", true}}) {
    const std::string label =
        std::string(tc.formula) + (tc.symmetric ? " sym" : " asym");
    SCOPED_TRACE(label);
    graph::Graph g;
    auto xin = g.AddInput("x", DType::kF32, {kN}).value();
    auto tin = g.AddInput("t", DType::kF32, {kN}).value();
    auto pmin = g.AddParameter("min", Make({1}, {-1.5f})).value();
    auto pmax = g.AddParameter("max", Make({1}, {1.5f})).value();
    auto y = g.AddNode("FakeQuantizeLearned", {xin, pmin, pmax},
                       {{"bitwidth", int64_t{8}},
                        {"symmetric", int64_t{tc.symmetric ? 1 : 0}},
                        {"formula", std::string(tc.formula)}})
                 .value()[0];
    auto loss = g.AddNode("MeanSquaredError", {y, tin}).value()[0];
    ASSERT_TRUE(g.AddOutput(loss).ok());
    auto bg = graph::BuildBackward(g, loss, {pmin, pmax}, BuiltinOps());
    ASSERT_TRUE(bg.ok()) << bg.status();
    auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
    ASSERT_TRUE(cg.ok()) << cg.status();
    Tensor tmin = bg->graph.value(pmin).data;
    Tensor tmax = bg->graph.value(pmax).data;
    train::SgdOptions so;
    so.lr = 0.5;
    auto opt = train::Sgd::Create(
        {train::ParamGroup{{{"min", tmin}, {"max", tmax}}}}, so);
    ASSERT_TRUE(opt.ok()) << opt.status();
    graph::RunOptions opts;
    opts.training = true;
    opts.fetch = bg->grads;
    const std::vector<Tensor> inputs = {Make({kN}, x), Make({kN}, t)};
    float first_loss = 0, last_loss = 0, prev_max = 1.5f;
    int max_increases = 0;
    for (int step = 0; step < kSteps; ++step) {
      auto r = (*cg)->Run(ctx, inputs, opts);
      ASSERT_TRUE(r.ok()) << r.status();
      last_loss = r->outputs[0].data<float>()[0];
      if (step == 0) {
        first_loss = last_loss;
        // Clipped-above elements pull max down, clipped-below pull min up.
        EXPECT_GT(r->fetched[1].data<float>()[0], 0.0f);
        EXPECT_LT(r->fetched[0].data<float>()[0], 0.0f);
      }
      ASSERT_TRUE((*opt)->Step(r->fetched, ctx.pool()).ok());
      const float mx = tmax.data<float>()[0];
      // Far from the target, max only goes down; near it, rounding noise
      // in the scale gradient may jiggle it.
      if (prev_max > kClip + 0.05f && mx > prev_max) ++max_increases;
      prev_max = mx;
    }
    const float mn = tmin.data<float>()[0], mx = tmax.data<float>()[0];
    // The figures for the report.
    std::printf("%-13s min %.5f max %.5f loss %.3g -> %.3g\n", label.c_str(),
                mn, mx, first_loss, last_loss);
    EXPECT_EQ(max_increases, 0);
    EXPECT_LT(last_loss, first_loss * 0.01f);
    if (tc.symmetric) {
      // Symmetric grids: only max - min matters (v1 ignores min, v2's grid
      // is centred on 0); the positive end of the grid converges to 0.5.
      EXPECT_NEAR(tc.formula == std::string("v2") ? (mx - mn) / 2 : mx, kClip,
                  0.02f);
    } else {
      EXPECT_NEAR(mx, kClip, 0.02f);
      EXPECT_NEAR(mn, -kClip, 0.02f);
    }
  }
}

// Compiles (and runs when compiling succeeds) one node; returns the status.
absl::Status RunOne(const std::vector<int64_t>& dims, std::vector<float> mn,
                    std::vector<float> mx, graph::Attributes attrs) {
  graph::Graph g;
  auto x = g.AddInput("x", DType::kF32, dims).value();
  auto a =
      g.AddConstant("min", Make({static_cast<int64_t>(mn.size())}, mn)).value();
  auto b =
      g.AddConstant("max", Make({static_cast<int64_t>(mx.size())}, mx)).value();
  auto y = g.AddNode("FakeQuantizeLearned", {x, a, b}, std::move(attrs), 1,
                     "fql_bad");
  if (!y.ok()) return y.status();
  if (absl::Status s = g.AddOutput((*y)[0]); !s.ok()) return s;
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  if (!cg.ok()) return cg.status();
  engine::Context ctx(engine::ContextOptions{1});
  return (*cg)
      ->Run(ctx, {Tensor::Zeros(Shape(dims), DType::kF32).value()})
      .status();
}

TEST(FakeQuantizeLearnedOp, BadInputsNameTheNode) {
  const graph::Attributes ok8 = {{"bitwidth", int64_t{8}}};
  ASSERT_TRUE(RunOne({2, 3}, {-1}, {1}, ok8).ok());
  struct Bad {
    const char* what;
    std::vector<int64_t> dims;
    std::vector<float> mn, mx;
    graph::Attributes attrs;
    const char* needle;
  };
  graph::Attributes per_ch = {{"bitwidth", int64_t{8}}, {"axis", int64_t{1}}};
  const Bad bads[] = {
      {"min == max", {2, 3}, {1}, {1}, ok8, "enc_min < enc_max"},
      {"min > max", {2, 3}, {2}, {1}, ok8, "enc_min < enc_max"},
      {"nan min", {2, 3}, {NAN}, {1}, ok8, "finite"},
      {"inf max", {2, 3}, {0}, {INFINITY}, ok8, "finite"},
      {"per tensor needs 1", {2, 3}, {-1, -1}, {1, 1}, ok8, "needs f32 [1]"},
      {"per channel size", {2, 3}, {-1, -1}, {1, 1}, per_ch, "needs f32 [3]"},
      {"bad channel",
       {2, 3},
       {-1, 0.5f, -1},
       {1, 0.5f, 1},
       per_ch,
       "channel 1"},
      {"axis range",
       {2, 3},
       {-1},
       {1},
       {{"bitwidth", int64_t{8}}, {"axis", int64_t{2}}},
       ""},
      {"bitwidth 1", {2}, {-1}, {1}, {{"bitwidth", int64_t{1}}}, "2..32"},
      {"bitwidth 33", {2}, {-1}, {1}, {{"bitwidth", int64_t{33}}}, "2..32"},
      {"formula",
       {2},
       {-1},
       {1},
       {{"bitwidth", int64_t{8}}, {"formula", std::string("v3")}},
       "v3"},
      {"rounding",
       {2},
       {-1},
       {1},
       {{"bitwidth", int64_t{8}}, {"rounding", std::string("stochastic")}},
       "stochastic"},
      {"strict v2",
       {2},
       {-1},
       {1},
       {{"bitwidth", int64_t{8}},
        {"symmetric", int64_t{1}},
        {"strict", int64_t{1}}},
       "strict"},
      {"symmetric 2",
       {2},
       {-1},
       {1},
       {{"bitwidth", int64_t{8}}, {"symmetric", int64_t{2}}},
       "0 or 1"},
      {"v1 sym max <= 0",
       {2},
       {-2},
       {-1},
       {{"bitwidth", int64_t{8}},
        {"symmetric", int64_t{1}},
        {"formula", std::string("aimet_v1")}},
       "enc_max > 0"},
  };
  for (const Bad& b : bads) {
    absl::Status s = RunOne(b.dims, b.mn, b.mx, b.attrs);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << b.what << s;
    EXPECT_NE(s.message().find("fql_bad"), absl::string_view::npos)
        << b.what << ": " << s;
    EXPECT_NE(s.message().find(b.needle), absl::string_view::npos)
        << b.what << ": " << s;
  }
}

}  // namespace
}  // namespace quantsim::ops
