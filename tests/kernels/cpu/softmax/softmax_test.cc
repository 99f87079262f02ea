// Softmax, log-softmax, softmax cross-entropy, MSE: forward vs double,
// backward vs central differences in double, thread invariance, checks.
#include "kernels/cpu/softmax/softmax.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels {
namespace {

constexpr double kEps = std::numeric_limits<float>::epsilon();

std::vector<float> Rand(int64_t n, uint32_t seed, float lo = -4, float hi = 4) {
  return testing::UniformFloats(n, seed, lo, hi);
}

// Double softmax (or log-softmax) of x viewed as v.
std::vector<double> SoftmaxD(const std::vector<double>& x, const AxisView& v,
                             bool log) {
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t a) { return (o * v.n + a) * v.inner + i; };
      double m = -INFINITY, s = 0;
      for (int64_t a = 0; a < v.n; ++a) m = std::max(m, x[at(a)]);
      for (int64_t a = 0; a < v.n; ++a) s += std::exp(x[at(a)] - m);
      for (int64_t a = 0; a < v.n; ++a) {
        y[at(a)] =
            log ? x[at(a)] - m - std::log(s) : std::exp(x[at(a)] - m) / s;
      }
    }
  }
  return y;
}

const AxisView kViews[] = {
    {3, 7, 1}, {2, 5, 3}, {1, 1000, 1}, {4, 33, 17}, {5, 1, 2}};

TEST(SoftmaxTest, ForwardMatchesDouble) {
  for (const AxisView& v : kViews) {
    const std::vector<float> x = Rand(v.outer * v.n * v.inner, 1);
    const std::vector<double> xd(x.begin(), x.end());
    for (bool log : {false, true}) {
      std::vector<float> y(x.size());
      SoftmaxForward(x.data(), v, y.data(), log);
      const std::vector<double> want = SoftmaxD(xd, v, log);
      for (size_t k = 0; k < y.size(); ++k) {
        // exp(x - max) with x - max rounded (eps |x - max| <= 8 eps here),
        // one ulp of exp, one of the divide / subtract.
        EXPECT_NEAR(y[k], want[k], 16 * kEps * (std::fabs(want[k]) + log))
            << log << " " << k;
      }
    }
  }
}

TEST(SoftmaxTest, BackwardMatchesFiniteDifferences) {
  for (const AxisView& v : kViews) {
    if (v.n > 100) continue;
    const int64_t total = v.outer * v.n * v.inner;
    const std::vector<float> x = Rand(total, 2), w = Rand(total, 3, -1, 1);
    for (bool log : {false, true}) {
      std::vector<float> y(total), dx(total);
      SoftmaxForward(x.data(), v, y.data(), log);
      SoftmaxBackward(y.data(), w.data(), v, dx.data(), log);
      std::vector<double> xd(x.begin(), x.end());
      for (int64_t k = 0; k < total; ++k) {
        const double h = 1e-6, old = xd[k];
        double lp = 0, lm = 0;
        xd[k] = old + h;
        std::vector<double> yp = SoftmaxD(xd, v, log);
        xd[k] = old - h;
        std::vector<double> ym = SoftmaxD(xd, v, log);
        xd[k] = old;
        for (int64_t j = 0; j < total; ++j)
          lp += w[j] * yp[j], lm += w[j] * ym[j];
        const double fd = (lp - lm) / (2 * h);
        EXPECT_NEAR(dx[k], fd, 1e-5 * (1 + std::fabs(fd))) << log << " " << k;
      }
    }
  }
}

TEST(SoftmaxTest, ThreadCountInvariant) {
  const AxisView v{300, 129, 3};
  const int64_t total = v.outer * v.n * v.inner;
  const std::vector<float> x = Rand(total, 4), g = Rand(total, 5);
  std::vector<float> y1(total), d1(total);
  SoftmaxForward(x.data(), v, y1.data(), false);
  SoftmaxBackward(y1.data(), g.data(), v, d1.data(), false);
  for (int t : {2, 3}) {
    engine::ThreadPool pool(t);
    std::vector<float> y(total), d(total);
    SoftmaxForward(x.data(), v, y.data(), false, &pool);
    SoftmaxBackward(y.data(), g.data(), v, d.data(), false, &pool);
    EXPECT_EQ(0, std::memcmp(y.data(), y1.data(), total * 4));
    EXPECT_EQ(0, std::memcmp(d.data(), d1.data(), total * 4));
  }
  // Large logits stay finite (max-subtracted).
  float big[3] = {1000, 1001, -1000}, out[3];
  SoftmaxForward(big, {1, 3, 1}, out, false);
  EXPECT_NEAR(out[1], 1 / (1 + std::exp(-1.0)), 1e-6);
}

double SceLossD(const std::vector<double>& logits,
                const std::vector<int64_t>& labels, int64_t N, int64_t C,
                int64_t D, int64_t ignore, LossReduction r,
                const std::vector<float>& w) {
  const std::vector<double> lp = SoftmaxD(logits, {N, C, D}, true);
  double total = 0;
  int64_t count = 0;
  for (int64_t s = 0; s < N * D; ++s) {
    if (labels[s] == ignore) continue;
    const double l = -lp[((s / D) * C + labels[s]) * D + s % D];
    total += r == LossReduction::kNone ? w[s] * l : l;
    ++count;
  }
  if (r == LossReduction::kMean) total /= count;
  if (r != LossReduction::kNone) total *= w[0];
  return total;
}

TEST(SoftmaxCrossEntropyTest, ForwardAndBackwardVsDouble) {
  const int64_t N = 4, C = 5, D = 3, ignore = -100;
  const std::vector<float> x = Rand(N * C * D, 6);
  std::vector<int64_t> labels = {0, 4, 2, ignore, 1, 1, 3, 0, ignore, 2, 4, 0};
  ASSERT_TRUE(CheckSoftmaxCrossEntropyArgs(labels.data(), N, C, D, ignore,
                                           LossReduction::kMean)
                  .ok());
  const std::vector<float> w = Rand(N * D, 7, 0.5f, 1.5f);
  for (LossReduction r :
       {LossReduction::kNone, LossReduction::kSum, LossReduction::kMean}) {
    std::vector<float> loss(N * D), dlogits(N * C * D);
    SoftmaxCrossEntropyForward(x.data(), labels.data(), N, C, D, ignore, r,
                               loss.data(), nullptr);
    std::vector<double> xd(x.begin(), x.end());
    if (r == LossReduction::kNone) {
      for (int64_t s = 0; s < N * D; ++s) {
        std::vector<float> one(N * D, 0.0f);
        one[s] = 1;
        EXPECT_NEAR(loss[s], SceLossD(xd, labels, N, C, D, ignore, r, one),
                    1e-6);
      }
    } else {
      std::vector<float> one(N * D, 1.0f);
      EXPECT_NEAR(loss[0], SceLossD(xd, labels, N, C, D, ignore, r, one), 1e-5);
    }
    SoftmaxCrossEntropyBackward(x.data(), labels.data(), N, C, D, ignore, r,
                                w.data(), dlogits.data());
    for (int64_t k = 0; k < N * C * D; ++k) {
      const double h = 1e-6, old = xd[k];
      xd[k] = old + h;
      const double lp = SceLossD(xd, labels, N, C, D, ignore, r, w);
      xd[k] = old - h;
      const double lm = SceLossD(xd, labels, N, C, D, ignore, r, w);
      xd[k] = old;
      EXPECT_NEAR(dlogits[k], (lp - lm) / (2 * h), 1e-5)
          << static_cast<int>(r) << " " << k;
    }
  }
  labels[0] = C;
  EXPECT_EQ(CheckSoftmaxCrossEntropyArgs(labels.data(), N, C, D, ignore,
                                         LossReduction::kMean)
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckAxisView({2, 0, 1}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MseTest, ForwardBackward) {
  const std::vector<float> a = {1, 2, 3, -1}, b = {0.5f, 2, 5, 1};
  float sum, mean, none[4], da[4];
  MseForward(a.data(), b.data(), 4, LossReduction::kSum, &sum);
  MseForward(a.data(), b.data(), 4, LossReduction::kMean, &mean);
  MseForward(a.data(), b.data(), 4, LossReduction::kNone, none);
  EXPECT_EQ(sum, 0.25f + 0 + 4 + 4);
  EXPECT_EQ(mean, sum / 4);
  EXPECT_EQ(none[2], 4);
  const float g = 2;
  MseBackward(a.data(), b.data(), 4, LossReduction::kMean, &g, da);
  EXPECT_FLOAT_EQ(da[0], 2 * 0.5f * 2 / 4);
  EXPECT_FLOAT_EQ(da[3], 2 * -2.0f * 2 / 4);
}

}  // namespace
}  // namespace quantsim::kernels
