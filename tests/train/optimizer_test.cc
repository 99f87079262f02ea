// SGD / Adam / AdamW against torch.optim's formulas evaluated in the test:
// once in exact double (semantics, tolerance of a few f32 ulps), once with
// every operation rounded to f32 in torch's order (bit-exact).
#include "train/optimizer.h"

#include <cmath>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"

namespace quantsim::train {
namespace {

using engine::Shape;
using engine::Tensor;

constexpr int kN = 5;
constexpr int kSteps = 6;

float Grad(int step, int i) {
  // Large early, small later (amsgrad's max then matters), both signs.
  return static_cast<float>((step < 2 ? 3.0 : 0.2) *
                            std::sin(1.3 * i + 0.7 * step + 0.1));
}
float Init(int i) { return static_cast<float>(0.5 - 0.3 * i); }

Tensor Vec(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::FromVector(Shape({n}), v).value();
}
Tensor InitParam() {
  std::vector<float> v(kN);
  for (int i = 0; i < kN; ++i) v[i] = Init(i);
  return Vec(v);
}
Tensor GradTensor(int step) {
  std::vector<float> v(kN);
  for (int i = 0; i < kN; ++i) v[i] = Grad(step, i);
  return Vec(v);
}

// kF32: round every operation (and every scalar) to f32, as the kernels do.
template <bool kF32>
double R(double x) {
  return kF32 ? static_cast<double>(static_cast<float>(x)) : x;
}

template <bool kF32>
std::vector<double> SgdReference(const SgdOptions& o, int steps) {
  std::vector<double> out;
  const double lr = R<kF32>(-o.lr), wd = R<kF32>(o.weight_decay);
  const double mu = R<kF32>(o.momentum), omd = R<kF32>(1 - o.dampening);
  for (int i = 0; i < kN; ++i) {
    double p = Init(i), buf = 0;
    for (int t = 0; t < steps; ++t) {
      double d = Grad(t, i);
      if (o.weight_decay != 0) d = R<kF32>(d + R<kF32>(wd * p));
      if (o.momentum != 0) {
        buf = t == 0 ? d : R<kF32>(R<kF32>(buf * mu) + R<kF32>(omd * d));
        d = o.nesterov ? R<kF32>(d + R<kF32>(mu * buf)) : buf;
      }
      p = R<kF32>(p + R<kF32>(lr * d));
    }
    out.push_back(p);
  }
  return out;
}

template <bool kF32>
std::vector<double> AdamReference(const AdamOptions& o, bool adamw, int steps) {
  std::vector<double> out;
  for (int i = 0; i < kN; ++i) {
    double p = Init(i), m = 0, v = 0, vmax = 0;
    for (int t = 1; t <= steps; ++t) {
      double g = Grad(t - 1, i);
      if (adamw) {
        p = R<kF32>(p * R<kF32>(1 - o.lr * o.weight_decay));
      } else if (o.weight_decay != 0) {
        g = R<kF32>(g + R<kF32>(R<kF32>(o.weight_decay) * p));
      }
      m = R<kF32>(R<kF32>(m * R<kF32>(o.beta1)) +
                  R<kF32>(R<kF32>(1 - o.beta1) * g));
      v = R<kF32>(R<kF32>(v * R<kF32>(o.beta2)) +
                  R<kF32>(R<kF32>(R<kF32>(1 - o.beta2) * g) * g));
      vmax = std::max(vmax, v);
      const double bc1 = 1 - std::pow(o.beta1, t);
      const double bc2 = 1 - std::pow(o.beta2, t);
      const double step_size = R<kF32>(-(o.lr / bc1));
      const double denom =
          R<kF32>(R<kF32>(R<kF32>(std::sqrt(o.amsgrad ? vmax : v)) /
                          R<kF32>(std::sqrt(bc2))) +
                  R<kF32>(o.eps));
      p = R<kF32>(p + R<kF32>(R<kF32>(step_size * m) / denom));
    }
    out.push_back(p);
  }
  return out;
}

void ExpectMatches(const Tensor& p, const std::vector<double>& exact,
                   const std::vector<double>& rounded) {
  for (int i = 0; i < kN; ++i) {
    const float got = p.data<float>()[i];
    EXPECT_EQ(got, static_cast<float>(rounded[i])) << "element " << i;
    // f32 arithmetic over kSteps steps: within 16 ulps of 1.
    EXPECT_NEAR(got, exact[i], 16 * 1.2e-7 * std::max(1.0, std::fabs(exact[i])))
        << "element " << i;
  }
}

template <typename Opt>
void RunSteps(Opt* opt, int steps, engine::ThreadPool* pool = nullptr) {
  for (int t = 0; t < steps; ++t) {
    ASSERT_TRUE(opt->Step({GradTensor(t)}, pool).ok());
  }
}

class SgdTest : public ::testing::TestWithParam<SgdOptions> {};

TEST_P(SgdTest, MatchesTorchFormulas) {
  const SgdOptions& o = GetParam();
  Tensor p = InitParam();
  auto sgd = Sgd::Create(SingleGroup({{"w", p}}), o).value();
  RunSteps(sgd.get(), kSteps);
  ExpectMatches(p, SgdReference<false>(o, kSteps),
                SgdReference<true>(o, kSteps));
  EXPECT_EQ(sgd->num_steps(), kSteps);
}

SgdOptions SgdOpts(double lr, double mu, double damp, double wd,
                   bool nesterov) {
  SgdOptions o;
  o.lr = lr;
  o.momentum = mu;
  o.dampening = damp;
  o.weight_decay = wd;
  o.nesterov = nesterov;
  return o;
}

INSTANTIATE_TEST_SUITE_P(Variants, SgdTest,
                         ::testing::Values(SgdOpts(0.1, 0, 0, 0, false),
                                           SgdOpts(0.1, 0, 0, 0.05, false),
                                           SgdOpts(0.05, 0.9, 0, 0, false),
                                           SgdOpts(0.05, 0.9, 0.3, 0.01, false),
                                           SgdOpts(0.05, 0.9, 0, 0.01, true)));

struct AdamCase {
  AdamOptions options;
  bool adamw;
};

class AdamTest : public ::testing::TestWithParam<AdamCase> {};

TEST_P(AdamTest, MatchesTorchFormulas) {
  const AdamCase& c = GetParam();
  Tensor p = InitParam();
  auto adam = (c.adamw ? Adam::CreateAdamW(SingleGroup({{"w", p}}), c.options)
                       : Adam::Create(SingleGroup({{"w", p}}), c.options))
                  .value();
  EXPECT_STREQ(adam->kind(), c.adamw ? "adamw" : "adam");
  RunSteps(adam.get(), kSteps);
  ExpectMatches(p, AdamReference<false>(c.options, c.adamw, kSteps),
                AdamReference<true>(c.options, c.adamw, kSteps));
}

AdamCase AdamCfg(double lr, double wd, bool amsgrad, bool adamw) {
  AdamCase c;
  c.options.lr = lr;
  c.options.beta1 = 0.8;
  c.options.beta2 = 0.95;
  c.options.eps = 1e-3;
  c.options.weight_decay = wd;
  c.options.amsgrad = amsgrad;
  c.adamw = adamw;
  return c;
}

INSTANTIATE_TEST_SUITE_P(Variants, AdamTest,
                         ::testing::Values(AdamCfg(0.1, 0, false, false),
                                           AdamCfg(0.1, 0.1, false, false),
                                           AdamCfg(0.1, 0, true, false),
                                           AdamCfg(0.1, 0.1, true, false),
                                           AdamCfg(0.1, 0.1, false, true),
                                           AdamCfg(0.1, 0.1, true, true)));

TEST(AdamTest, AmsgradChangesTheResult) {
  // Guards the amsgrad cases above against a gradient sequence where the
  // running max never differs from v.
  const auto a = AdamReference<false>(AdamCfg(0.1, 0, false, false).options,
                                      false, kSteps);
  const auto b =
      AdamReference<false>(AdamCfg(0.1, 0, true, false).options, false, kSteps);
  double diff = 0;
  for (int i = 0; i < kN; ++i) diff = std::max(diff, std::fabs(a[i] - b[i]));
  EXPECT_GT(diff, 1e-3);
}

TEST(OptimizerTest, GroupsHaveTheirOwnLearningRateAndWeightDecay) {
  Tensor w = InitParam(), e = InitParam();
  std::vector<ParamGroup> groups(2);
  groups[0].params = {{"w", w}};
  groups[1].params = {{"enc", e}};
  groups[1].lr = 0.01;
  groups[1].weight_decay = 0.0;
  auto sgd = Sgd::Create(groups, SgdOpts(0.1, 0.9, 0, 0.05, false)).value();
  EXPECT_EQ(sgd->lr(1), 0.01);
  EXPECT_EQ(sgd->weight_decay(0), 0.05);
  for (int t = 0; t < kSteps; ++t) {
    ASSERT_TRUE(sgd->Step({GradTensor(t), GradTensor(t)}).ok());
  }
  ExpectMatches(w,
                SgdReference<false>(SgdOpts(0.1, 0.9, 0, 0.05, false), kSteps),
                SgdReference<true>(SgdOpts(0.1, 0.9, 0, 0.05, false), kSteps));
  ExpectMatches(e, SgdReference<false>(SgdOpts(0.01, 0.9, 0, 0, false), kSteps),
                SgdReference<true>(SgdOpts(0.01, 0.9, 0, 0, false), kSteps));
}

TEST(OptimizerTest, UndefinedGradientSkipsTheParameter) {
  Tensor a = InitParam(), b = InitParam();
  auto adam =
      Adam::Create(SingleGroup({{"a", a}, {"b", b}}), AdamOptions()).value();
  ASSERT_TRUE(adam->Step({GradTensor(0), Tensor()}).ok());
  EXPECT_NE(a.data<float>()[0], Init(0));
  EXPECT_EQ(b.data<float>()[0], Init(0));
  const StateDict s = adam->GetState();
  EXPECT_EQ(s.at("a/step").data<int64_t>()[0], 1);
  EXPECT_EQ(s.count("b/step"), 0u);
  EXPECT_EQ(s.count("b/exp_avg"), 0u);
}

TEST(OptimizerTest, ThreadedLargeTensorEqualsSerial) {
  const int64_t n = 3 * (int64_t{1} << 15) + 17;  // several chunks + a tail
  std::vector<float> init(n), grad(n);
  for (int64_t i = 0; i < n; ++i) {
    init[i] = static_cast<float>(std::sin(0.001 * i));
    grad[i] = static_cast<float>(std::cos(0.003 * i));
  }
  Tensor serial = Tensor::FromVector(Shape({n}), init).value();
  Tensor threaded = Tensor::FromVector(Shape({n}), init).value();
  Tensor g = Tensor::FromVector(Shape({n}), grad).value();
  AdamOptions o;
  o.amsgrad = true;
  auto a1 = Adam::Create(SingleGroup({{"p", serial}}), o).value();
  auto a2 = Adam::Create(SingleGroup({{"p", threaded}}), o).value();
  engine::ThreadPool pool(2);
  for (int t = 0; t < 3; ++t) {
    ASSERT_TRUE(a1->Step({g}).ok());
    ASSERT_TRUE(a2->Step({g}, &pool).ok());
  }
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(serial.data<float>()[i], threaded.data<float>()[i]) << i;
  }
  EXPECT_NE(serial.data<float>()[n - 1], init[n - 1]);
}

TEST(OptimizerTest, RejectsBadArguments) {
  Tensor p = InitParam();
  EXPECT_EQ(Sgd::Create(SingleGroup({{"w", p}}), SgdOpts(-1, 0, 0, 0, false))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      Sgd::Create(SingleGroup({{"w", p}}), SgdOpts(0.1, 0, 0, 0, true)).ok());
  EXPECT_FALSE(
      Sgd::Create(SingleGroup({{"w", p}, {"w", InitParam()}}), SgdOptions())
          .ok());
  Tensor i64 = Tensor::Zeros(Shape({2}), engine::DType::kI64).value();
  EXPECT_FALSE(Adam::Create(SingleGroup({{"x", i64}}), AdamOptions()).ok());
  AdamOptions bad;
  bad.beta1 = 1.0;
  EXPECT_FALSE(Adam::Create(SingleGroup({{"w", p}}), bad).ok());
  auto sgd = Sgd::Create(SingleGroup({{"w", p}}), SgdOptions()).value();
  absl::Status s = sgd->Step({Vec({1, 2})});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'w'"), absl::string_view::npos) << s;
  EXPECT_FALSE(sgd->Step({}).ok());
}

}  // namespace
}  // namespace quantsim::train
