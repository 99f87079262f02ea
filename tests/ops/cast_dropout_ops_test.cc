// Cast (rounding, saturation, wrap-around, bit patterns, gradients) and
// Dropout (inference identity, seeded training masks, determinism,
// gradient through the mask).
#include <cmath>
#include <limits>

#include "engine/status.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/op_util.h"
#include "ops/registry.h"
#include "tests/ops/data_ref.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

template <typename T>
Tensor Vec(std::vector<T> v) {
  return Tensor::FromVector<T>(Shape({static_cast<int64_t>(v.size())}), v)
      .value();
}

// Runs Cast(x, to) and returns the output.
Tensor CastTo(const Tensor& x, DType to) {
  graph::Graph g;
  graph::ValueId in = g.AddInput("x", x.dtype(), x.shape().dims()).value();
  graph::ValueId y =
      g.AddNode("Cast", {in}, {{"to", OnnxDTypeOf(to)}}, 1, "cast").value()[0];
  EXPECT_TRUE(g.AddOutput(y).ok());
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  EXPECT_TRUE(cg.ok()) << cg.status();
  engine::Context ctx({1});
  auto r = (*cg)->Run(ctx, {x});
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outputs[0].dtype(), to);
  return r->outputs[0];
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

const float kNan = std::numeric_limits<float>::quiet_NaN();

TEST(Cast, FloatToHalfAndBfloat16Bits) {
  const Tensor x =
      Vec<float>({1.0f, 65504.0f, 65520.0f, 1e-8f, 6e-8f, -2.5f,
                  1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, -kNan, -0.0f});
  std::vector<uint16_t> h;
  for (auto v : Values<engine::Float16>(CastTo(x, DType::kF16))) {
    h.push_back(v.bits);
  }
  EXPECT_EQ(h, (std::vector<uint16_t>{0x3c00, 0x7bff, 0x7c00, 0x0000, 0x0001,
                                      0xc100, 0x3c00, 0x3c02, 0xfe00, 0x8000}));
  std::vector<uint16_t> b;
  for (auto v : Values<engine::BFloat16>(CastTo(x, DType::kBF16))) {
    b.push_back(v.bits);
  }
  EXPECT_EQ(b[0], 0x3f80);
  EXPECT_EQ(b[5], 0xc020);
  EXPECT_EQ(b[9], 0x8000);
  // And back: f16 0x3555 = 0.333251953125, denormal 0x0001 = 2^-24.
  const Tensor hx =
      Tensor::FromVector<engine::Float16>(
          Shape({2}), {engine::Float16{0x3555}, engine::Float16{0x0001}})
          .value();
  EXPECT_EQ(Values<float>(CastTo(hx, DType::kF32)),
            (std::vector<float>{0.333251953125f, 0x1p-24f}));
}

TEST(Cast, FloatToIntTruncatesAndSaturates) {
  const Tensor x = Vec<float>({2.7f, -2.7f, kNan, 3e9f, -3e9f, 300.0f, -1.0f});
  EXPECT_EQ(
      Values<int32_t>(CastTo(x, DType::kI32)),
      (std::vector<int32_t>{2, -2, 0, std::numeric_limits<int32_t>::max(),
                            std::numeric_limits<int32_t>::min(), 300, -1}));
  EXPECT_EQ(Values<uint8_t>(CastTo(x, DType::kU8)),
            (std::vector<uint8_t>{2, 0, 0, 255, 0, 255, 0}));
  EXPECT_EQ(Values<int64_t>(CastTo(Vec<float>({1e19f, -1e19f}), DType::kI64)),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::min()}));
}

TEST(Cast, IntegersBoolsAndIdentity) {
  EXPECT_EQ(Values<int8_t>(CastTo(Vec<int64_t>({300, -129, 5}), DType::kI8)),
            (std::vector<int8_t>{44, 127, 5}));
  EXPECT_EQ(Values<float>(CastTo(Vec<int32_t>({16777217, -3}), DType::kF32)),
            (std::vector<float>{16777216.0f, -3.0f}));
  EXPECT_EQ(
      Values<bool>(CastTo(Vec<float>({0.0f, -0.0f, 0.5f, kNan}), DType::kBool)),
      (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(Values<double>(CastTo(Vec<bool>({true, false}), DType::kF64)),
            (std::vector<double>{1.0, 0.0}));
  const Tensor x = Vec<float>({1, 2});
  EXPECT_TRUE(CastTo(x, DType::kF32).SharesStorageWith(x));
}

// Gradient of x -> Cast(a) -> Cast(f32) seeded with ones.
absl::StatusOr<Tensor> CastChainGrad(DType mid) {
  graph::Graph g;
  graph::ValueId x = g.AddInput("x", DType::kF32, {3}).value();
  graph::ValueId m =
      g.AddNode("Cast", {x}, {{"to", OnnxDTypeOf(mid)}}).value()[0];
  graph::ValueId y = g.AddNode("Cast", {m}, {{"to", int64_t{1}}}).value()[0];
  QS_ASSIGN_OR_RETURN(auto bg, graph::BuildBackward(g, y, {x}, BuiltinOps()));
  QS_ASSIGN_OR_RETURN(auto cg,
                      graph::CompiledGraph::Compile(bg.graph, BuiltinOps()));
  graph::RunOptions opts;
  opts.fetch = bg.grads;
  engine::Context ctx({1});
  QS_ASSIGN_OR_RETURN(auto r, cg->Run(ctx, {Vec<float>({1, 2, 3})}, opts));
  return r.fetched[0];
}

TEST(Cast, Gradients) {
  for (DType mid : {DType::kF16, DType::kBF16, DType::kF64}) {
    auto g = CastChainGrad(mid);
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(Values<float>(*g), (std::vector<float>{1, 1, 1}));
  }
  EXPECT_EQ(CastChainGrad(DType::kI32).status().code(),
            absl::StatusCode::kUnimplemented);
}

// x -> Dropout (2 outputs) -> y; returns {y, mask, dx} of one run.
struct DropoutRun {
  Tensor y, mask, dx;
};
class DropoutGraph {
 public:
  explicit DropoutGraph(graph::Attributes attrs, int64_t n = 4096,
                        bool training_mode_input = false)
      : n_(n) {
    graph::Graph g;
    x_ = g.AddInput("x", DType::kF32, {n}).value();
    std::vector<graph::ValueId> in = {x_};
    if (training_mode_input) {
      in.push_back(graph::kNoValue);
      in.push_back(
          g.AddConstant("tm", Tensor::FromVector<bool>(Shape(), {true}).value())
              .value());
    }
    auto outs = g.AddNode("Dropout", in, attrs, 2, "drop").value();
    mask_ = outs[1];
    auto bg = graph::BuildBackward(g, outs[0], {x_}, BuiltinOps()).value();
    EXPECT_TRUE(bg.graph.AddOutput(outs[0]).ok());
    EXPECT_TRUE(bg.graph.AddOutput(outs[1]).ok());
    dx_ = bg.grads[0];
    cg_ = graph::CompiledGraph::Compile(bg.graph, BuiltinOps()).value();
  }
  DropoutRun Run(bool training, int threads = 1) {
    Tensor x = Tensor::Empty(Shape({n_}), DType::kF32).value();
    for (int64_t i = 0; i < n_; ++i) x.data<float>()[i] = 1.0f + i;
    engine::Context ctx({threads});
    graph::RunOptions opts;
    opts.training = training;
    opts.fetch = {dx_};
    auto r = cg_->Run(ctx, {x}, opts);
    EXPECT_TRUE(r.ok()) << r.status();
    return {r->outputs[0], r->outputs[1], r->fetched[0]};
  }

 private:
  int64_t n_;
  graph::ValueId x_, mask_, dx_;
  std::unique_ptr<graph::CompiledGraph> cg_;
};

TEST(Dropout, InferenceIsIdentity) {
  DropoutGraph d({{"ratio", 0.5f}});
  DropoutRun r = d.Run(false);
  for (int64_t i = 0; i < 4096; ++i) {
    ASSERT_EQ(r.y.data<float>()[i], 1.0f + i);
    ASSERT_TRUE(r.mask.data<bool>()[i]);
    ASSERT_EQ(r.dx.data<float>()[i], 1.0f);
  }
}

TEST(Dropout, TrainingMaskScaleAndGradient) {
  DropoutGraph d({{"ratio", 0.25f}, {"seed", int64_t{7}}});
  DropoutRun r = d.Run(true);
  int64_t kept = 0;
  for (int64_t i = 0; i < 4096; ++i) {
    const bool m = r.mask.data<bool>()[i];
    kept += m;
    ASSERT_EQ(r.y.data<float>()[i], m ? (1.0f + i) * (1.0f / 0.75f) : 0.0f);
    ASSERT_EQ(r.dx.data<float>()[i], m ? 1.0f / 0.75f : 0.0f);
  }
  // 3072 expected; 4 sigma of a binomial(4096, 0.75) is about 111.
  EXPECT_NEAR(kept, 3072, 111);
}

TEST(Dropout, MasksAreSeededPerStepAndThreadInvariant) {
  DropoutGraph a({{"ratio", 0.5f}, {"seed", int64_t{3}}});
  DropoutGraph b({{"ratio", 0.5f}, {"seed", int64_t{3}}});
  DropoutGraph c({{"ratio", 0.5f}, {"seed", int64_t{4}}});
  const auto m = [](const DropoutRun& r) { return Values<bool>(r.mask); };
  const auto a0 = m(a.Run(true)), a1 = m(a.Run(true));
  EXPECT_EQ(a0, m(b.Run(true, 4)));  // same seed and step, 4 threads
  EXPECT_EQ(a1, m(b.Run(true, 2)));
  EXPECT_NE(a0, a1);  // the next step draws a new mask
  EXPECT_NE(a0, m(c.Run(true)));
  // Inference runs do not advance the step.
  a.Run(false);
  DropoutGraph e({{"ratio", 0.5f}, {"seed", int64_t{3}}});
  e.Run(true);
  e.Run(true);
  EXPECT_EQ(m(a.Run(true)), m(e.Run(true)));
}

TEST(Dropout, TrainingModeInputAndMissingMask) {
  DropoutGraph d({{"ratio", 0.5f}}, 256, /*training_mode_input=*/true);
  DropoutRun r = d.Run(false);  // the input turns dropout on
  int64_t kept = 0;
  for (int64_t i = 0; i < 256; ++i) kept += r.mask.data<bool>()[i];
  EXPECT_LT(kept, 256);
  EXPECT_GT(kept, 0);

  graph::Graph g;
  graph::ValueId x = g.AddInput("x", DType::kF32, {4}).value();
  graph::ValueId y = g.AddNode("Dropout", {x}, {}, 1, "one_out").value()[0];
  EXPECT_EQ(graph::BuildBackward(g, y, {x}, BuiltinOps()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace quantsim::ops::testing
