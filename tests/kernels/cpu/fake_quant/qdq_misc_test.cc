// Stochastic rounding properties, quantize-to-int / dequantize-from-int, and
// CheckQdqArgs errors.
#include <math.h>
#include <string.h>

#include <limits>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using ::testing::HasSubstr;

std::vector<float> Ramp(int64_t n) {
  std::vector<float> x(n);
  for (int64_t k = 0; k < n; ++k) x[k] = -3.0f + 6.0f * k / n;
  return x;
}

QdqConfig Stochastic(uint64_t seed) {
  QdqConfig c;
  c.rounding = RoundingMode::kStochastic;
  c.seed = seed;
  return c;
}

TEST(Stochastic, SameSeedSameOutputEveryIsaAndThreadCount) {
  const int64_t n = 3 * 65536 + 11;
  const auto x = Ramp(n);
  const QdqParam p = MakeQdqParam(0.05f, 0, -128, 127);
  std::vector<float> first;
  for (Isa isa : engine::SupportedIsas()) {
    for (int threads : {1, 2, 3}) {
      engine::ThreadPool pool(threads);
      std::vector<float> y(n);
      FakeQuantize(x.data(), y.data(), nullptr, PerTensorLayout(n), &p,
                   Stochastic(42), &pool, isa);
      if (first.empty()) {
        first = y;
      } else {
        ASSERT_EQ(0, memcmp(y.data(), first.data(), n * 4))
            << engine::IsaName(isa) << " threads " << threads;
      }
    }
  }
  std::vector<float> other(n);
  FakeQuantize(x.data(), other.data(), nullptr, PerTensorLayout(n), &p,
               Stochastic(43));
  int differ = 0;
  for (int64_t k = 0; k < n; ++k) differ += other[k] != first[k];
  // Most of the ramp is not on the grid: about half the draws move.
  EXPECT_GT(differ, n / 4);
}

TEST(Stochastic, UnbiasedOverSeeds) {
  // E[q] = x/s + z for in-range x; average over 4000 seeds.
  const std::vector<float> x = {0.013f, -0.777f, 1.2345f, 0.05f, -2.9999f};
  const QdqParam p = MakeQdqParam(0.1f, 3, -128, 127);
  const int kSeeds = 4000;
  std::vector<double> sum(x.size(), 0.0);
  std::vector<float> y(x.size());
  for (int s = 0; s < kSeeds; ++s) {
    FakeQuantize(x.data(), y.data(), nullptr, PerTensorLayout(x.size()), &p,
                 Stochastic(1000 + s));
    for (size_t k = 0; k < x.size(); ++k) sum[k] += y[k] / p.scale + 3;
  }
  for (size_t k = 0; k < x.size(); ++k) {
    const double want = x[k] / 0.1 + 3;
    const double frac = want - floor(want);
    // Std error of a Bernoulli mean <= 0.5/sqrt(4000) = 0.0079; 5 sigma.
    EXPECT_NEAR(sum[k] / kSeeds, want, 0.04) << "x=" << x[k];
    // And the draws do land on both neighbours when x is off the grid.
    if (frac > 0.1 && frac < 0.9) {
      EXPECT_GT(fabs(sum[k] / kSeeds - round(want)), 0.05);
    }
  }
}

template <typename T>
void CheckIntRoundTrip(float qmin, float qmax) {
  const int64_t n = 2 * 65536 + 5;
  QdqLayout l;
  l.axis = 5;
  l.inner = n / 5;
  const int64_t total = l.NumElements();
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0, 40);
  std::vector<float> x(total);
  for (auto& v : x) v = d(rng);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[4] = std::numeric_limits<float>::infinity();
  x[5] = -std::numeric_limits<float>::infinity();
  std::vector<QdqParam> params;
  for (int c = 0; c < 5; ++c) {
    params.push_back(MakeQdqParam(0.07f * (c + 1), qmin + c, qmin, qmax));
  }
  for (RoundingMode r :
       {RoundingMode::kHalfToEven, RoundingMode::kHalfAwayFromZero}) {
    QdqConfig c;
    c.qmin = qmin;
    c.qmax = qmax;
    c.rounding = r;
    ASSERT_TRUE(CheckQdqArgs(l, params.data(), 5, c).ok());
    engine::ThreadPool pool(2);
    std::vector<T> q(total);
    QuantizeToInt<T>(x.data(), q.data(), l, params.data(), c, &pool);
    std::vector<float> y(total), fq(total);
    DequantizeFromInt<T>(q.data(), y.data(), l, params.data(), &pool);
    FakeQuantize(x.data(), fq.data(), nullptr, l, params.data(), c, &pool);
    for (int64_t k = 0; k < total; ++k) {
      const QdqParam& p = params[k / l.inner];
      if (k == 3 && r == RoundingMode::kHalfToEven) {
        EXPECT_EQ(q[k], static_cast<T>(p.zero_point));  // NaN -> zero point
        continue;
      }
      ASSERT_EQ(static_cast<float>(q[k]), QuantizeValue(x[k], p, c, k));
      ASSERT_EQ(y[k], fq[k]) << k;  // quantize + dequantize == QDQ
    }
  }
}

TEST(QuantizeToInt, RoundTripsEveryContainer) {
  CheckIntRoundTrip<int8_t>(-128, 127);
  CheckIntRoundTrip<uint8_t>(0, 255);
  CheckIntRoundTrip<int16_t>(-32768, 32767);
  CheckIntRoundTrip<uint16_t>(0, 65535);
  CheckIntRoundTrip<int32_t>(-8388608, 8388607);
  CheckIntRoundTrip<int8_t>(-8, 7);  // 4-bit grid in an int8 container
}

TEST(QuantizeToInt, SaturatesToContainer) {
  // A 16-bit grid stored in int8 saturates; a 32-bit one in int32 too.
  const std::vector<float> x = {-1e9f, -300.0f, 0.0f, 300.0f, 1e9f, 1e30f};
  QdqConfig c;
  c.qmin = -32768;
  c.qmax = 32767;
  const QdqParam p = MakeQdqParam(1.0f, 0, c.qmin, c.qmax);
  std::vector<int8_t> q8(x.size());
  QuantizeToInt<int8_t>(x.data(), q8.data(), PerTensorLayout(x.size()), &p, c);
  EXPECT_EQ(q8, (std::vector<int8_t>{-128, -128, 0, 127, 127, 127}));
  c.qmin = -2147483648.0f;
  c.qmax = 2147483647.0f;  // rounds to 2^31 as a float
  std::vector<int32_t> q32(x.size());
  QuantizeToInt<int32_t>(x.data(), q32.data(), PerTensorLayout(x.size()), &p,
                         c);
  EXPECT_EQ(q32, (std::vector<int32_t>{-1000000000, -300, 0, 300, 1000000000,
                                       2147483647}));
}

TEST(CheckQdqArgs, Errors) {
  QdqConfig c;
  std::vector<QdqParam> p(4, MakeQdqParam(0.1f, 0, -128, 127));
  QdqLayout l;
  l.axis = 4;
  l.inner = 10;
  EXPECT_TRUE(CheckQdqArgs(l, p.data(), 4, c).ok());
  auto msg = [&](const QdqLayout& ll, const QdqParam* pp, int64_t np,
                 const QdqConfig& cc) {
    const absl::Status s = CheckQdqArgs(ll, pp, np, cc);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  QdqLayout bad = l;
  bad.inner = 0;
  EXPECT_THAT(msg(bad, p.data(), 4, c), HasSubstr("layout.inner"));
  bad = l;
  bad.block = 0;
  EXPECT_THAT(msg(bad, p.data(), 4, c), HasSubstr("layout.block"));
  bad = l;
  bad.outer = int64_t{1} << 40;
  bad.inner = int64_t{1} << 30;
  EXPECT_THAT(msg(bad, p.data(), 4, c), HasSubstr("overflows"));
  EXPECT_THAT(msg(l, p.data(), 3, c), HasSubstr("num_params"));
  EXPECT_THAT(msg(l, nullptr, 4, c), HasSubstr("null"));
  QdqConfig cc = c;
  cc.qmin = 127;
  EXPECT_THAT(msg(l, p.data(), 4, cc), HasSubstr("qmin must be < qmax"));
  cc = c;
  cc.qmax = 126.5f;
  EXPECT_THAT(msg(l, p.data(), 4, cc), HasSubstr("finite integers"));
  cc = c;
  cc.qmin = -std::numeric_limits<float>::infinity();
  EXPECT_THAT(msg(l, p.data(), 4, cc), HasSubstr("finite integers"));
  cc = c;
  cc.rounding = static_cast<RoundingMode>(7);
  EXPECT_THAT(msg(l, p.data(), 4, cc), HasSubstr("rounding"));
  auto bad_param = [&](auto edit, RoundingMode r, const char* want) {
    std::vector<QdqParam> q = p;
    edit(q[2]);
    QdqConfig k = c;
    k.rounding = r;
    const std::string m = msg(l, q.data(), 4, k);
    EXPECT_THAT(m, HasSubstr("params[2]"));
    EXPECT_THAT(m, HasSubstr(want));
  };
  const auto even = RoundingMode::kHalfToEven;
  const auto away = RoundingMode::kHalfAwayFromZero;
  bad_param([](QdqParam& q) { q.scale = 0; }, even, "scale");
  bad_param([](QdqParam& q) { q.scale = -1; }, even, "scale");
  bad_param([](QdqParam& q) { q.scale = NAN; }, even, "scale");
  bad_param([](QdqParam& q) { q.scale = INFINITY; }, even, "scale");
  bad_param([](QdqParam& q) { q.zero_point = 0.5f; }, even, "zero_point");
  bad_param([](QdqParam& q) { q.zero_point = NAN; }, even, "zero_point");
  bad_param([](QdqParam& q) { q.clip_lo = NAN; }, away, "clip_lo");
  bad_param([](QdqParam& q) { q.clip_hi = INFINITY; }, away, "clip_hi");
  bad_param([](QdqParam& q) { q.clip_lo = 2, q.clip_hi = 1; }, away,
            "clip_lo > clip_hi");
  // Clip bounds are not used by kHalfToEven.
  std::vector<QdqParam> q = p;
  q[1].clip_lo = NAN;
  EXPECT_TRUE(CheckQdqArgs(l, q.data(), 4, c).ok());
}

}  // namespace
}  // namespace quantsim::kernels
