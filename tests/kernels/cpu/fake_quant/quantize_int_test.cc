// QuantizeToInt / DequantizeFromInt (SIMD, threaded) vs the scalar
// reference bit for bit, every Isa x rounding mode x container x layout.
#include <math.h>
#include <string.h>

#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

// Independent saturation (in double): NaN -> zero point (itself saturated;
// NaN zero point -> 0), clamp to T's range, truncate.
template <typename T>
T WantInt(float v, float zp) {
  using L = std::numeric_limits<T>;
  if (isnan(v)) v = zp;
  if (isnan(v)) return 0;
  double d = v;
  if (d < L::min()) d = L::min();
  if (d > L::max()) d = L::max();
  return static_cast<T>(trunc(d));
}

std::vector<float> Inputs(int64_t n, float spread, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {NAN,    -NAN,   inf,  -inf,  0.0f, -0.0f, 1e30f,
                            -1e30f, 1e-40f, 2.5f, -2.5f, 3.5f, 1e9f,  -1e9f};
  for (size_t k = 0; k < sizeof(specials) / 4 && 7 * k < x.size(); ++k) {
    x[7 * k] = specials[k];  // spread over batches and tails
  }
  return x;
}

// Parameter index of element pos, written out from the layout formula.
int64_t ParamIndex(const QdqLayout& l, int64_t pos) {
  const int64_t i = pos % l.inner, a = (pos / l.inner) % l.axis,
                o = pos / (l.inner * l.axis);
  return ((l.vary_outer ? o : 0) * l.AxisBlocks() + a / l.block) *
             (l.vary_inner ? l.inner : 1) +
         (l.vary_inner ? i : 0);
}

class QuantizeIntTest
    : public ::testing::TestWithParam<std::tuple<Isa, RoundingMode>> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(isa())) GTEST_SKIP() << "Isa not supported";
  }
  Isa isa() const { return std::get<0>(GetParam()); }

  template <typename T>
  void Check(const QdqLayout& l, float qmin, float qmax, float spread) {
    const int64_t n = l.NumElements();
    const auto x = Inputs(n, spread, static_cast<uint32_t>(n));
    std::mt19937 rng(static_cast<uint32_t>(l.NumParams()));
    std::uniform_real_distribution<float> s(0.01f, 0.3f);
    std::uniform_int_distribution<int> z(-40, 40);
    std::vector<QdqParam> params(l.NumParams());
    for (auto& p : params) {
      const float zp = floorf((qmin + qmax) / 2) + static_cast<float>(z(rng));
      p = MakeQdqParam(s(rng), zp, qmin, qmax);
    }
    QdqConfig c;
    c.qmin = qmin;
    c.qmax = qmax;
    c.rounding = std::get<1>(GetParam());
    c.seed = 77;
    ASSERT_TRUE(CheckQdqArgs(l, params.data(), params.size(), c).ok());
    for (int threads : {1, 3}) {
      engine::ThreadPool pool(threads);
      std::vector<T> q(n, T{17});
      QuantizeToInt<T>(x.data(), q.data(), l, params.data(), c, &pool, isa());
      std::vector<float> y(n, 5.0f);
      DequantizeFromInt<T>(q.data(), y.data(), l, params.data(), &pool, isa());
      for (int64_t k = 0; k < n; ++k) {
        const QdqParam& p = params[ParamIndex(l, k)];
        const T want = WantInt<T>(QuantizeValue(x[k], p, c, k), p.zero_point);
        ASSERT_EQ(q[k], want) << "element " << k << " x=" << x[k];
        const float yw = DequantizeValue(static_cast<float>(q[k]), p);
        ASSERT_EQ(0, memcmp(&y[k], &yw, 4)) << "element " << k;
      }
    }
  }

  template <typename T>
  void AllLayouts(float qmin, float qmax, float spread) {
    for (int64_t n : {1, 15, 16, 17, 100, 65536 + 37}) {
      Check<T>(PerTensorLayout(n), qmin, qmax, spread);
      if (HasFatalFailure()) return;
    }
    QdqLayout l;  // per-channel, long runs crossing chunks (broadcast)
    l.axis = 3;
    l.inner = 30011;
    Check<T>(l, qmin, qmax, spread);
    QdqLayout li;  // last-axis channels (tiles)
    li.outer = 97;
    li.inner = 37;
    li.vary_inner = true;
    Check<T>(li, qmin, qmax, spread);
    QdqLayout lb;  // blockwise, short last block (tiles)
    lb.outer = 5;
    lb.axis = 22;
    lb.inner = 3;
    lb.block = 8;
    lb.vary_outer = true;
    Check<T>(lb, qmin, qmax, spread);
  }
};

TEST_P(QuantizeIntTest, Int8) { AllLayouts<int8_t>(-128, 127, 10.0f); }
TEST_P(QuantizeIntTest, Uint8) { AllLayouts<uint8_t>(0, 255, 10.0f); }
TEST_P(QuantizeIntTest, Int16) { AllLayouts<int16_t>(-32768, 32767, 900); }
TEST_P(QuantizeIntTest, Uint16) { AllLayouts<uint16_t>(0, 65535, 900); }
TEST_P(QuantizeIntTest, Int32) {
  AllLayouts<int32_t>(-2147483648.0f, 2147483647.0f, 4e8f);
}
// Grids wider than the container saturate; NaN zero points beyond it too.
TEST_P(QuantizeIntTest, SaturatingGrids) {
  AllLayouts<int8_t>(-32768, 32767, 50.0f);
  AllLayouts<uint8_t>(-1000, 1000, 50.0f);
  AllLayouts<int16_t>(-2147483648.0f, 2147483647.0f, 1e5f);
  AllLayouts<uint16_t>(-100000, 100000, 1e4f);
  AllLayouts<int8_t>(-8, 7, 1.0f);  // 4-bit grid in an int8 container
}

TEST_P(QuantizeIntTest, DequantizeEveryValue) {
  // Every int8/uint8/int16/uint16 value and int32 extremes, per channel.
  QdqLayout l;
  l.axis = 2;
  l.inner = 65536;
  std::vector<QdqParam> p = {MakeQdqParam(0.37f, 5, 0, 0),
                             MakeQdqParam(1e-3f, -70000, 0, 0)};
  auto check = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> q(l.NumElements());
    for (size_t k = 0; k < q.size(); ++k) q[k] = static_cast<T>(k * 40503u);
    q[0] = std::numeric_limits<T>::min();
    q[1] = std::numeric_limits<T>::max();
    std::vector<float> y(q.size());
    DequantizeFromInt<T>(q.data(), y.data(), l, p.data(), nullptr, isa());
    for (size_t k = 0; k < q.size(); ++k) {
      const float want =
          DequantizeValue(static_cast<float>(q[k]), p[k / l.inner]);
      ASSERT_EQ(0, memcmp(&y[k], &want, 4)) << k;
    }
  };
  check(int8_t{});
  check(uint8_t{});
  check(int16_t{});
  check(uint16_t{});
  check(int32_t{});
}

std::string ParamName(
    const ::testing::TestParamInfo<std::tuple<Isa, RoundingMode>>& info) {
  static const char* kModes[] = {"HalfEven", "HalfAway", "Stochastic"};
  return std::string(engine::IsaName(std::get<0>(info.param))) + "_" +
         kModes[static_cast<int>(std::get<1>(info.param))];
}

INSTANTIATE_TEST_SUITE_P(
    AllIsasAllModes, QuantizeIntTest,
    ::testing::Combine(::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                         Isa::kAvx512),
                       ::testing::Values(RoundingMode::kHalfToEven,
                                         RoundingMode::kHalfAwayFromZero,
                                         RoundingMode::kStochastic)),
    ParamName);

}  // namespace
}  // namespace quantsim::kernels
