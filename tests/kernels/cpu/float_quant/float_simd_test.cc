// SIMD fp16 / bf16 / minifloat vs float_reference.h bit for bit, every
// supported Isa, and the exponent-bit minifloat formulation vs the
// log2-in-double one it replaced.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/float_quant/float_quant.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

std::vector<Isa> SimdIsas() {
  std::vector<Isa> v;
  for (Isa isa : engine::SupportedIsas()) {
    if (isa != Isa::kScalar) v.push_back(isa);
  }
  return v;
}

// Runs `fn(x, y, n, pool, isa)` for every SIMD Isa on x and compares with
// `ref` bit for bit; returns false (after a gtest failure) on a mismatch.
template <typename Fn, typename Ref>
bool SameAsReference(const std::vector<float>& x, Fn fn, Ref ref,
                     engine::ThreadPool* pool, const char* what) {
  std::vector<float> want(x.size()), got(x.size());
  for (size_t k = 0; k < x.size(); ++k) want[k] = ref(x[k]);
  for (Isa isa : SimdIsas()) {
    fn(x.data(), got.data(), static_cast<int64_t>(x.size()), pool, isa);
    if (memcmp(got.data(), want.data(), x.size() * 4) != 0) {
      for (size_t k = 0; k < x.size(); ++k) {
        EXPECT_EQ(FloatBits(got[k]), FloatBits(want[k]))
            << what << " " << engine::IsaName(isa) << " x bits " << std::hex
            << FloatBits(x[k]);
        if (FloatBits(got[k]) != FloatBits(want[k])) return false;
      }
    }
  }
  return true;
}

// Every top-16-bit pattern with low endings around the fp16 (13 bits) and
// bf16 (16 bits) rounding points, plus random patterns.
std::vector<float> SampledBitPatterns() {
  std::vector<float> x;
  for (uint32_t hi = 0; hi < (1u << 16); ++hi) {
    for (uint32_t lo : {0x0000u, 0x0001u, 0x0fffu, 0x1000u, 0x1001u, 0x1fffu,
                        0x2000u, 0x3000u, 0x7fffu, 0x8000u, 0x8001u, 0xefffu,
                        0xf000u, 0xf001u, 0xffffu}) {
      x.push_back(BitsToFloat(hi << 16 | lo));
    }
  }
  std::mt19937 rng(3);
  for (int k = 0; k < 1000000; ++k) x.push_back(BitsToFloat(rng()));
  return x;
}

TEST(FloatSimd, Fp16AndBf16SampledBitPatterns) {
  const auto x = SampledBitPatterns();
  engine::ThreadPool pool(2);
  EXPECT_TRUE(SameAsReference(
      x, [](auto... a) { Fp16RoundTrip(a...); }, Fp16RoundTripValue, &pool,
      "fp16"));
  EXPECT_TRUE(SameAsReference(
      x, [](auto... a) { Bf16RoundTrip(a...); }, Bf16RoundTripValue, &pool,
      "bf16"));
}

// All 2^32 float bit patterns, in slices of 2^24. Opt-in (about 80 s on the
// shared 2-core machine, > 10 s per Isa): bazel test
// --test_env=QUANTSIM_EXHAUSTIVE=1
// //tests/kernels/cpu/float_quant:float_simd_test
TEST(FloatSimd, Fp16AndBf16AllBitPatterns) {
  const char* env = getenv("QUANTSIM_EXHAUSTIVE");
  if (env == nullptr || env[0] != '1') {
    GTEST_SKIP() << "set QUANTSIM_EXHAUSTIVE=1 for the 2^32 sweep";
  }
  engine::ThreadPool pool(2);
  const uint32_t kSlice = 1u << 24;
  std::vector<float> x(kSlice), want(kSlice), got(kSlice);
  const auto t0 = std::chrono::steady_clock::now();
  for (int op = 0; op < 2; ++op) {
    auto fn = op == 0 ? Fp16RoundTrip : Bf16RoundTrip;
    for (uint64_t base = 0; base < (uint64_t{1} << 32); base += kSlice) {
      for (uint32_t k = 0; k < kSlice; ++k) {
        x[k] = BitsToFloat(static_cast<uint32_t>(base) + k);
      }
      fn(x.data(), want.data(), kSlice, &pool, Isa::kScalar);
      for (Isa isa : SimdIsas()) {
        fn(x.data(), got.data(), kSlice, &pool, isa);
        ASSERT_EQ(0, memcmp(got.data(), want.data(), kSlice * 4))
            << (op == 0 ? "fp16 " : "bf16 ") << engine::IsaName(isa)
            << " slice " << std::hex << base;
      }
    }
  }
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  printf("2^32 sweep, fp16 + bf16, %zu SIMD Isas: %.1f s\n", SimdIsas().size(),
         s);
}

// The formula before the exponent-bit formulation (log2 and floor in
// double), kept here to show the two agree.
float Log2Minifloat(float x, const MinifloatParams& p) {
  const float xc = ClampKeepNan(x, -p.maxval, p.maxval);
  if (xc != xc) return xc;
  double e = floor(log2(fabs(static_cast<double>(xc))) + p.bias);
  if (!(e >= 1.0)) e = 1.0;
  const float s = static_cast<float>(exp2(e - p.mantissa_bits - p.bias));
  return RoundHalfToEven(xc / s) * s;
}

std::vector<MinifloatParams> Configs() {
  std::vector<MinifloatParams> v = {
      MakeMinifloatParams(5, 10, 65504.0f),
      MakeMinifloatParams(5, 2, 57344.0f),
      MakeMinifloatParams(4, 3, 448.0f),  // non-integer bias
      MakeMinifloatParams(4, 3, IeeeMaxval(4, 3)),
      MakeMinifloatParams(2, 1, 6.0f),
      MakeMinifloatParams(3, 2, 7.3f),              // non-integer bias
      MakeMinifloatParams(8, 7, IeeeMaxval(8, 7)),  // bf16-like
      MakeMinifloatParams(1, 0, 1.0f),
      MakeMinifloatParams(6, 5, 1e-3f),  // non-integer bias
      MakeMinifloatParams(4, 3, 0.1f),
  };
  return v;
}

// Inputs around every binade and the non-integer-bias thresholds.
std::vector<float> MinifloatInputs(const MinifloatParams& p) {
  std::vector<float> x;
  for (uint32_t hi = 0; hi < (1u << 16); ++hi) {
    for (uint32_t lo : {0x0000u, 0x0001u, 0x5555u, 0x8000u, 0xffffu}) {
      x.push_back(BitsToFloat(hi << 16 | lo));
    }
  }
  const MinifloatExponentConsts c = MakeMinifloatExponentConsts(p.bias);
  for (int k = -149; k <= 127; ++k) {
    for (float m : {1.0f, c.mant_threshold}) {
      const float v = ldexpf(m, k);
      for (float w : {v, nextafterf(v, 0.0f), nextafterf(v, INFINITY)}) {
        x.push_back(w);
        x.push_back(-w);
      }
    }
  }
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> d(-1.2f * p.maxval, 1.2f * p.maxval);
  for (int k = 0; k < 200000; ++k) x.push_back(d(rng));
  return x;
}

TEST(FloatSimd, MinifloatMatchesReference) {
  engine::ThreadPool pool(2);
  for (const MinifloatParams& p : Configs()) {
    SCOPED_TRACE(testing::Message() << "E" << p.exponent_bits << "M"
                                    << p.mantissa_bits << " max " << p.maxval);
    const auto x = MinifloatInputs(p);
    ASSERT_TRUE(SameAsReference(
        x,
        [&p](const float* a, float* b, int64_t n, engine::ThreadPool* tp,
             Isa isa) { MinifloatQuantizeDequantize(a, b, n, p, tp, isa); },
        [&p](float v) { return MinifloatValue(v, p); }, &pool, "minifloat"));
  }
}

// The exponent-bit exponent equals floor(log2|xc| + bias) evaluated in long
// double (64-bit mantissa) on every input here (all binades, both sides of
// every threshold), and the outputs equal those of the old log2-in-double
// formula. The old exponent itself can be off by one: for E3M2 / 7.3 and
// x = 0x3e057c58, log2 x + bias = 1.99999999999999981... but the double sum
// rounds to 2.0. Such misplacements never reach the output: the binade
// boundary is a point of both grids (s halves exactly below it) and inputs
// within a quarter step of it round to it on either grid - which is also why
// MinifloatExponentHandValues pins the exponent itself.
TEST(FloatSimd, ExponentBitsEqualLog2Formula) {
  int old_exponent_off = 0;
  for (const MinifloatParams& p : Configs()) {
    SCOPED_TRACE(testing::Message() << "E" << p.exponent_bits << "M"
                                    << p.mantissa_bits << " max " << p.maxval);
    const MinifloatExponentConsts c = MakeMinifloatExponentConsts(p.bias);
    for (float v : MinifloatInputs(p)) {
      const float a = fabsf(ClampKeepNan(v, -p.maxval, p.maxval));
      if (a > 0.0f) {
        const long double el =
            floorl(log2l(static_cast<long double>(a)) + p.bias);
        ASSERT_EQ(MinifloatExponent(a, c), el >= 1 ? el : 1)
            << "x bits " << std::hex << FloatBits(v);
        const double ed = floor(log2(static_cast<double>(a)) + p.bias);
        old_exponent_off += (ed >= 1 ? ed : 1) != (el >= 1 ? el : 1);
      }
      ASSERT_EQ(FloatBits(MinifloatValue(v, p)), FloatBits(Log2Minifloat(v, p)))
          << "x bits " << std::hex << FloatBits(v);
    }
  }
  EXPECT_GT(old_exponent_off, 0);  // the case above, at least
  const MinifloatParams p = MakeMinifloatParams(3, 2, 7.3f);
  const float x = BitsToFloat(0x3e057c58u);
  EXPECT_EQ(floor(log2(static_cast<double>(x)) + p.bias), 2.0);
  EXPECT_EQ(MinifloatExponent(x, MakeMinifloatExponentConsts(p.bias)), 1);
}

TEST(FloatSimd, MinifloatExponentHandValues) {
  // Integer bias 16 (E5M2): e = ilogb + 16, powers of two exactly.
  const MinifloatExponentConsts c16 = MakeMinifloatExponentConsts(16.0);
  EXPECT_EQ(c16.bias_floor, 16);
  EXPECT_EQ(c16.mant_threshold, 2.0f);
  EXPECT_EQ(MinifloatExponent(1.0f, c16), 16);
  EXPECT_EQ(MinifloatExponent(nextafterf(1.0f, 0.0f), c16), 15);
  EXPECT_EQ(MinifloatExponent(ldexpf(1, -15), c16), 1);
  EXPECT_EQ(MinifloatExponent(ldexpf(1, -16), c16), 1);  // max(1, 0)
  EXPECT_EQ(MinifloatExponent(ldexpf(1, -149), c16), 1);
  EXPECT_EQ(MinifloatExponent(0.0f, c16), 1);
  EXPECT_EQ(MinifloatExponent(ldexpf(1, 15), c16), 31);
  // bias = 7.25: floor(log2 x + 7.25) steps up at x = 2^(k + 0.75).
  const MinifloatExponentConsts c = MakeMinifloatExponentConsts(7.25);
  EXPECT_EQ(c.bias_floor, 7);
  EXPECT_GE(static_cast<double>(c.mant_threshold), exp2(0.75));
  EXPECT_LT(static_cast<double>(nextafterf(c.mant_threshold, 0)), exp2(0.75));
  EXPECT_EQ(MinifloatExponent(ldexpf(c.mant_threshold, 3), c), 11);
  EXPECT_EQ(MinifloatExponent(ldexpf(nextafterf(c.mant_threshold, 0), 3), c),
            10);
  EXPECT_EQ(MinifloatExponent(ldexpf(c.mant_threshold, -140), c), 1);
  // Denormal input: 3 * 2^-149 has ilogb -148.
  EXPECT_EQ(
      MinifloatExponent(ldexpf(3, -149), MakeMinifloatExponentConsts(200.0)),
      200 - 148);
  // Negative non-integer bias.
  const MinifloatExponentConsts cn = MakeMinifloatExponentConsts(-2.5);
  EXPECT_EQ(cn.bias_floor, -3);
  EXPECT_EQ(MinifloatExponent(ldexpf(1.5f, 10), cn),
            10 - 3 + 1);  // 1.5 >= 2^.5
  EXPECT_EQ(MinifloatExponent(ldexpf(1.25f, 10), cn), 10 - 3);
}

TEST(FloatSimd, TailsThreadsAndInPlace) {
  const MinifloatParams p = MakeMinifloatParams(4, 3, 448.0f);
  std::mt19937 rng(4);
  std::normal_distribution<float> d(0, 100);
  for (int64_t n : {1, 3, 15, 17, 65536 + 7, 3 * 65536 + 31}) {
    std::vector<float> x(n);
    for (auto& v : x) v = d(rng);
    for (Isa isa : SimdIsas()) {
      engine::ThreadPool pool(3);
      std::vector<float> in = x;
      MinifloatQuantizeDequantize(in.data(), in.data(), n, p, &pool, isa);
      std::vector<float> f = x;
      Fp16RoundTrip(f.data(), f.data(), n, &pool, isa);
      std::vector<float> b = x;
      Bf16RoundTrip(b.data(), b.data(), n, nullptr, isa);
      for (int64_t k = 0; k < n; ++k) {
        ASSERT_EQ(FloatBits(in[k]), FloatBits(MinifloatValue(x[k], p)));
        ASSERT_EQ(FloatBits(f[k]), FloatBits(Fp16RoundTripValue(x[k])));
        ASSERT_EQ(FloatBits(b[k]), FloatBits(Bf16RoundTripValue(x[k])));
      }
    }
  }
}

}  // namespace
}  // namespace quantsim::kernels
