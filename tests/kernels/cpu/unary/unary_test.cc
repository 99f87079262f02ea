// Unary kernels: float reference vs double formulas, backward vs central
// finite differences (double), thread-count invariance, checked front end.
#include "kernels/cpu/unary/unary.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/unary/unary_reference.h"
#include "tests/kernels/cpu/unary/unary_double_ref.h"

namespace quantsim::kernels {
namespace {

using testing::TestParams;
using testing::UnaryD;

constexpr double kEps = std::numeric_limits<float>::epsilon();

std::vector<float> Inputs(UnaryOp op, int64_t n, uint32_t seed) {
  double lo, hi;
  testing::UnaryDomain(op, &lo, &hi);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> x(n);
  for (float& v : x) {
    v = static_cast<float>(d(rng));
    if (op == UnaryOp::kReciprocal) v = std::copysign(0.1f + std::fabs(v), v);
  }
  return x;
}

class UnaryOpTest : public ::testing::TestWithParam<int> {
 protected:
  UnaryOp op() const { return static_cast<UnaryOp>(GetParam()); }
};

// Float forward within (rel |ref| + abs_x |x| + abs) eps of the double formula;
// the abs_x term covers 1 + erf/tanh cancelling for large negative x in the
// Gelus (0.5 x times a rounding error of 1 + t), the rel term the ulps of
// std:: math and of the few float roundings per formula (Gelu-tanh's cubic
// argument adds ~6|u| eps relative where 1 + tanh(u) cancels).
TEST_P(UnaryOpTest, ForwardMatchesDouble) {
  const UnaryParams p = TestParams(op());
  double rel = 4, abs_x = 0, abs = 0;
  // alpha x + beta cancels in the (hard) linear region: ~eps |x| absolute.
  if (op() == UnaryOp::kHardSwish) abs_x = 1;
  if (op() == UnaryOp::kHardSigmoid) abs_x = 1, abs = 1;
  if (op() == UnaryOp::kGeluErf) abs_x = 2;
  if (op() == UnaryOp::kGeluTanh) rel = 64, abs_x = 2;
  if (op() == UnaryOp::kMish || op() == UnaryOp::kCelu) rel = 8;
  for (int64_t n : {1, 7, 17, 1000}) {
    const std::vector<float> x = Inputs(op(), n, 11 + n);
    std::vector<float> y(n);
    UnaryForward(p, x.data(), y.data(), n, nullptr, engine::Isa::kScalar);
    for (int64_t i = 0; i < n; ++i) {
      const double want = UnaryD(p, x[i]);
      EXPECT_LE(std::fabs(y[i] - want),
                kEps * (rel * std::fabs(want) + abs_x * std::fabs(x[i]) + abs) +
                    1e-38)
          << UnaryOpName(op()) << " x=" << x[i] << " got " << y[i] << " want "
          << want;
    }
  }
}

// Distance from x to the nearest point where op's derivative jumps.
double KinkDistance(const UnaryParams& p, double x) {
  auto d = [&](double k) { return std::fabs(x - k); };
  switch (p.op) {
    case UnaryOp::kRelu:
    case UnaryOp::kLeakyRelu:
    case UnaryOp::kElu:
    case UnaryOp::kSelu:
    case UnaryOp::kCelu:
    case UnaryOp::kAbs:
      return d(0);
    case UnaryOp::kClip:
      return std::min(d(p.alpha), d(p.beta));
    case UnaryOp::kHardSigmoid:
      return std::min(d(-p.beta / p.alpha), d((1 - p.beta) / p.alpha));
    case UnaryOp::kHardSwish:
      return std::min(d(-3), d(3));
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRound:
      return d(std::round(x * 2) / 2);
    default:
      return 1;
  }
}

// Backward (float) vs central differences of the double formula at the
// float input, |g - fd| <= 2e-5 (1 + |fd|): float rounding of y feeds the
// y-based gradients (sigmoid: y (1 - y) loses ~eps / (1 - y) relative).
TEST_P(UnaryOpTest, BackwardMatchesFiniteDifferences) {
  const UnaryParams p = TestParams(op());
  const int64_t n = 301;
  std::vector<float> x = Inputs(op(), n, 5);
  for (float& v : x) {
    while (KinkDistance(p, v) < 1e-3) v += 0.0137f;
  }
  std::vector<float> y(n), dy(n), dx(n);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dd(-2.0f, 2.0f);
  for (float& v : dy) v = dd(rng);
  UnaryForward(p, x.data(), y.data(), n, nullptr, engine::Isa::kScalar);
  UnaryBackward(p, x.data(), y.data(), dy.data(), dx.data(), n, nullptr,
                engine::Isa::kScalar);
  for (int64_t i = 0; i < n; ++i) {
    const double h = 1e-6 * std::max(1.0, std::fabs(double{x[i]}));
    const double fd =
        (UnaryD(p, x[i] + h) - UnaryD(p, x[i] - h)) / (2 * h) * dy[i];
    EXPECT_NEAR(dx[i], fd, 2e-5 * (1 + std::fabs(fd)))
        << UnaryOpName(op()) << " x=" << x[i];
  }
}

TEST_P(UnaryOpTest, ThreadCountInvariantOnEveryIsa) {
  const UnaryParams p = TestParams(op());
  const int64_t n = 3 * kUnaryGrain + 37;
  const std::vector<float> x = Inputs(op(), n, 3);
  std::vector<float> dy = Inputs(UnaryOp::kRelu, n, 4);
  for (engine::Isa isa : engine::SupportedIsas()) {
    std::vector<float> y1(n), dx1(n);
    UnaryForward(p, x.data(), y1.data(), n, nullptr, isa);
    UnaryBackward(p, x.data(), y1.data(), dy.data(), dx1.data(), n, nullptr,
                  isa);
    for (int threads : {2, 3}) {
      engine::ThreadPool pool(threads);
      std::vector<float> y(n), dx(n);
      UnaryForward(p, x.data(), y.data(), n, &pool, isa);
      UnaryBackward(p, x.data(), y.data(), dy.data(), dx.data(), n, &pool, isa);
      ASSERT_EQ(0, std::memcmp(y.data(), y1.data(), n * sizeof(float)))
          << engine::IsaName(isa) << " threads " << threads;
      ASSERT_EQ(0, std::memcmp(dx.data(), dx1.data(), n * sizeof(float)))
          << engine::IsaName(isa) << " threads " << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, UnaryOpTest, ::testing::Range(0, kNumUnaryOps),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(
                               UnaryOpName(static_cast<UnaryOp>(info.param)));
                         });

TEST(UnaryTest, RoundIsHalfToEvenAndSpecialValues) {
  const UnaryParams r = DefaultUnaryParams(UnaryOp::kRound);
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 3.7f};
  std::vector<float> y(x.size());
  UnaryForward(r, x.data(), y.data(), x.size());
  EXPECT_EQ(y, (std::vector<float>{0, 2, 2, -0.0f, -2, 4}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (engine::Isa isa : engine::SupportedIsas()) {
    float v[3] = {nan, -0.0f, 1.0f}, out[3];
    UnaryForward(DefaultUnaryParams(UnaryOp::kRelu), v, out, 3, nullptr, isa);
    EXPECT_TRUE(std::isnan(out[0])) << engine::IsaName(isa);
    EXPECT_TRUE(std::signbit(out[1]));
  }
}

TEST(UnaryTest, CheckedArgs) {
  UnaryParams clip = DefaultUnaryParams(UnaryOp::kClip);
  EXPECT_TRUE(CheckUnaryArgs(clip, 10).ok());
  clip.alpha = 2;
  clip.beta = 1;
  EXPECT_EQ(CheckUnaryArgs(clip, 10).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckUnaryArgs(DefaultUnaryParams(UnaryOp::kRelu), -1).code(),
            absl::StatusCode::kInvalidArgument);
  UnaryParams bad;
  bad.op = static_cast<UnaryOp>(99);
  EXPECT_EQ(CheckUnaryArgs(bad, 1).code(), absl::StatusCode::kInvalidArgument);
  UnaryParams celu = DefaultUnaryParams(UnaryOp::kCelu);
  celu.alpha = 0;
  EXPECT_EQ(CheckUnaryArgs(celu, 1).code(), absl::StatusCode::kInvalidArgument);
  UnaryParams lr = DefaultUnaryParams(UnaryOp::kLeakyRelu);
  lr.alpha = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(CheckUnaryArgs(lr, 1).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::kernels
