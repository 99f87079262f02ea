// fp16 / bf16 round trips and the generic minifloat (spec §1.10).
#include "kernels/cpu/float_quant/float_quant.h"

#include <immintrin.h>
#include <math.h>

#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace quantsim::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Hardware binary16 round trip (F16C, round to nearest even).
__attribute__((target("f16c"))) float F16cRoundTrip(float x) {
  return _cvtsh_ss(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

TEST(Fp16, HandValues) {
  EXPECT_EQ(Fp16RoundTripValue(1.0f), 1.0f);
  EXPECT_EQ(Fp16RoundTripValue(1.0f + ldexpf(1, -11)), 1.0f);  // tie, even
  EXPECT_EQ(Fp16RoundTripValue(1.0f + 3 * ldexpf(1, -11)),
            1.0f + ldexpf(1, -9));  // tie, up to even
  EXPECT_EQ(Fp16RoundTripValue(65504.0f), 65504.0f);
  EXPECT_EQ(Fp16RoundTripValue(65519.996f), 65504.0f);
  EXPECT_EQ(Fp16RoundTripValue(65520.0f), kInf);
  EXPECT_EQ(Fp16RoundTripValue(-1e30f), -kInf);
  EXPECT_EQ(Fp16RoundTripValue(kInf), kInf);
  EXPECT_EQ(Fp16RoundTripValue(ldexpf(1, -24)), ldexpf(1, -24));  // denormal
  EXPECT_EQ(Fp16RoundTripValue(ldexpf(1, -25)), 0.0f);  // tie to even 0
  EXPECT_EQ(Fp16RoundTripValue(ldexpf(3, -25)), ldexpf(1, -23));
  EXPECT_EQ(Fp16RoundTripValue(ldexpf(1.5f, -15)), ldexpf(1.5f, -15));
  EXPECT_EQ(FloatBits(Fp16RoundTripValue(-0.0f)), 0x80000000u);
  EXPECT_EQ(FloatBits(Fp16RoundTripValue(-1e-40f)), 0x80000000u);
  EXPECT_EQ(FloatBits(Fp16RoundTripValue(-NAN)), 0xffc00000u);
  EXPECT_EQ(FloatBits(Fp16RoundTripValue(NAN)), 0x7fc00000u);
}

TEST(Fp16, MatchesF16cOnSampledBitPatterns) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C";
  std::vector<float> x;
  // Every exponent/top mantissa pattern with several low-bit endings
  // (ties, just above/below ties), plus random patterns.
  for (uint32_t hi = 0; hi < (1u << 16); ++hi) {
    for (uint32_t lo : {0x0000u, 0x0fffu, 0x1000u, 0x1001u, 0x2000u, 0x3000u,
                        0xefffu, 0xf000u, 0xf001u, 0xffffu, 0x7000u}) {
      x.push_back(BitsToFloat(hi << 16 | lo));
    }
  }
  std::mt19937 rng(3);
  for (int k = 0; k < 1000000; ++k) x.push_back(BitsToFloat(rng()));
  std::vector<float> y(x.size());
  engine::ThreadPool pool(3);
  Fp16RoundTrip(x.data(), y.data(), x.size(), &pool);
  for (size_t k = 0; k < x.size(); ++k) {
    ASSERT_EQ(FloatBits(y[k]), FloatBits(Fp16RoundTripValue(x[k])));
    const float want = F16cRoundTrip(x[k]);
    if (isnan(x[k])) {
      ASSERT_TRUE(isnan(y[k]));
      ASSERT_EQ(signbit(y[k]), signbit(x[k]));
      continue;
    }
    ASSERT_EQ(FloatBits(y[k]), FloatBits(want))
        << "x bits " << std::hex << FloatBits(x[k]);
  }
}

TEST(Bf16, HandValuesAndRounding) {
  EXPECT_EQ(Bf16RoundTripValue(1.0f + ldexpf(1, -8)), 1.0f);  // tie, even
  EXPECT_EQ(Bf16RoundTripValue(1.0f + 3 * ldexpf(1, -8)), 1.0f + ldexpf(1, -6));
  EXPECT_EQ(Bf16RoundTripValue(1.0f + ldexpf(1.5f, -8)), 1.0f + ldexpf(1, -7));
  EXPECT_EQ(Bf16RoundTripValue(std::numeric_limits<float>::max()), kInf);
  EXPECT_EQ(Bf16RoundTripValue(-kInf), -kInf);
  EXPECT_EQ(FloatBits(Bf16RoundTripValue(-0.0f)), 0x80000000u);
  EXPECT_EQ(FloatBits(Bf16RoundTripValue(BitsToFloat(0x00008000u))), 0u);
  EXPECT_EQ(FloatBits(Bf16RoundTripValue(BitsToFloat(0x00018000u))),
            0x00020000u);  // denormal tie to even
  EXPECT_EQ(FloatBits(Bf16RoundTripValue(-NAN)), 0x7fc00000u);
  std::mt19937 rng(5);
  std::vector<float> x(200000);
  for (auto& v : x) v = BitsToFloat(rng());
  std::vector<float> y(x.size());
  Bf16RoundTrip(x.data(), y.data(), x.size());
  for (size_t k = 0; k < x.size(); ++k) {
    if (isnan(x[k])) continue;
    ASSERT_EQ(FloatBits(y[k]) & 0xffffu, 0u);
    // Nearest bf16: no other bf16 value is closer (checked in double).
    const uint32_t b = FloatBits(y[k]);
    const double d = fabs(static_cast<double>(y[k]) - x[k]);
    if (isinf(y[k])) continue;
    for (uint32_t nb : {b + 0x10000u, b - 0x10000u}) {
      const float nv = BitsToFloat(nb);
      if (isnan(nv) || isinf(nv)) continue;
      ASSERT_LE(d, fabs(static_cast<double>(nv) - x[k]));
    }
  }
}

TEST(Minifloat, E5M10MatchesFp16ForNormalValues) {
  const MinifloatParams p = MakeMinifloatParams(5, 10, 65504.0f);
  EXPECT_EQ(p.bias, 16.0);  // spec formula's bias (IEEE's + 1)
  EXPECT_EQ(IeeeMaxval(5, 10), 65504.0f);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> lg(-14.0f, 15.999f);
  std::vector<float> x;
  for (int k = 0; k < 200000; ++k) {
    float v = exp2f(lg(rng));
    if (k % 2) v = -v;
    x.push_back(v);
  }
  x.push_back(65504.0f);
  x.push_back(ldexpf(1, -14));
  x.push_back(1.0f + ldexpf(1, -11));
  std::vector<float> y(x.size());
  engine::ThreadPool pool(2);
  MinifloatQuantizeDequantize(x.data(), y.data(), x.size(), p, &pool);
  for (size_t k = 0; k < x.size(); ++k) {
    ASSERT_EQ(FloatBits(y[k]), FloatBits(Fp16RoundTripValue(x[k])))
        << "x=" << x[k];
  }
  // Below 2^-14 the formula keeps one more binade than binary16.
  EXPECT_EQ(MinifloatValue(ldexpf(1.5f, -15), p), ldexpf(1.5f, -15));
  EXPECT_EQ(MinifloatValue(ldexpf(1, -25), p), ldexpf(1, -25));
  EXPECT_EQ(MinifloatValue(1e6f, p), 65504.0f);  // clamped, not inf
}

TEST(Minifloat, E5M2HandValues) {
  const MinifloatParams p = MakeMinifloatParams(5, 2, 57344.0f);
  EXPECT_EQ(p.bias, 16.0);
  EXPECT_EQ(IeeeMaxval(5, 2), 57344.0f);
  EXPECT_EQ(MinifloatValue(1.3f, p), 1.25f);
  EXPECT_EQ(MinifloatValue(1.375f, p), 1.5f);   // tie -> even mantissa
  EXPECT_EQ(MinifloatValue(1.125f, p), 1.0f);   // tie -> even mantissa
  EXPECT_EQ(MinifloatValue(-5.5f, p), -6.0f);   // ulp 1 in [4, 8): tie
  EXPECT_EQ(MinifloatValue(100.0f, p), 96.0f);  // ulp 16 in [64, 128)
  EXPECT_EQ(MinifloatValue(60000.0f, p), 57344.0f);
  EXPECT_EQ(MinifloatValue(-kInf, p), -57344.0f);
  EXPECT_EQ(MinifloatValue(3e-5f, p), ldexpf(4, -17));  // lowest binade
  EXPECT_EQ(FloatBits(MinifloatValue(-0.0f, p)), 0x80000000u);
  EXPECT_TRUE(isnan(MinifloatValue(NAN, p)));
}

TEST(Minifloat, E4M3Maxval448HandValues) {
  // maxval 448 is not of the form (2 - 2^-3) 2^k: bias = 15 - log2(448 /
  // 1.875) = 7.0995..., so the grid is the 480-max E4M3 grid times 448/480.
  const MinifloatParams p = MakeMinifloatParams(4, 3, 448.0f);
  EXPECT_NEAR(p.bias, 15.0 - log2(448.0 / 1.875), 1e-15);
  const double g = 448.0 / 480.0;
  auto want = [&](double v) {  // hand formula in double
    const int k = static_cast<int>(floor(log2(v / g)));
    const double s = ldexp(g, k - 3);
    return nearbyint(v / s) * s;
  };
  for (float v : {448.0f, 400.0f, 1.0f, 0.3f, 3.3f, 17.0f, 250.0f}) {
    EXPECT_NEAR(MinifloatValue(v, p), want(v), 2e-7 * v) << v;
    EXPECT_NEAR(MinifloatValue(-v, p), -want(v), 2e-7 * v) << v;
  }
  EXPECT_NEAR(MinifloatValue(1000.0f, p), 448.0f, 1e-4);
  EXPECT_FLOAT_EQ(MinifloatValue(448.0f, p), 448.0f);
}

TEST(Minifloat, ThreadCountInvariantAndInPlace) {
  const MinifloatParams p = MakeMinifloatParams(4, 3, 448.0f);
  std::mt19937 rng(9);
  std::normal_distribution<float> d(0, 50);
  std::vector<float> x(3 * 65536 + 7);
  for (auto& v : x) v = d(rng);
  std::vector<float> y1(x.size()), y3(x.size());
  MinifloatQuantizeDequantize(x.data(), y1.data(), x.size(), p);
  engine::ThreadPool pool(3);
  MinifloatQuantizeDequantize(x.data(), y3.data(), x.size(), p, &pool);
  EXPECT_EQ(y1, y3);
  std::vector<float> in = x;
  MinifloatQuantizeDequantize(in.data(), in.data(), in.size(), p, &pool);
  EXPECT_EQ(in, y1);
  for (size_t k = 0; k < x.size(); k += 97) {
    ASSERT_EQ(FloatBits(y1[k]), FloatBits(MinifloatValue(x[k], p)));
  }
}

TEST(Minifloat, CheckArgs) {
  EXPECT_TRUE(CheckMinifloatArgs(4, 3, 448).ok());
  EXPECT_FALSE(CheckMinifloatArgs(0, 3, 448).ok());
  EXPECT_FALSE(CheckMinifloatArgs(9, 3, 448).ok());
  EXPECT_FALSE(CheckMinifloatArgs(4, -1, 448).ok());
  EXPECT_FALSE(CheckMinifloatArgs(4, 24, 448).ok());
  EXPECT_FALSE(CheckMinifloatArgs(4, 3, 0).ok());
  EXPECT_FALSE(CheckMinifloatArgs(4, 3, NAN).ok());
  EXPECT_FALSE(CheckMinifloatArgs(4, 3, kInf).ok());
}

}  // namespace
}  // namespace quantsim::kernels
