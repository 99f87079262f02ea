// Documents xsimd 8.1 behaviours the kernels work around (kernels/cpu/
// README.md, "xsimd pitfalls"), per arch, so that an xsimd upgrade that
// changes one is noticed: a failing expectation here means the pitfall is
// gone (or moved) and the workaround (and README) can be revisited.
#include "tests/kernels/cpu/xsimd_pitfalls.h"

#include <cmath>
#include <limits>

#include "engine/cpu_features.h"
#include "gtest/gtest.h"

namespace quantsim::kernels::testing {
namespace {

using engine::Isa;

// 1 + 2^-23 squared is 1 + 2^-22 + 2^-46: minus (1 + 2^-22) that is 2^-46
// with one rounding (fused) and 0 with two (mul, then add).
constexpr float kFmaA = 1.0f + 0x1p-23f;
constexpr float kFmaC = -(1.0f + 0x1p-22f);
constexpr float kFused = 0x1p-46f;

template <class Arch>
PitfallIo Probe(Arch arch) {
  PitfallIo io;
  io.nan = std::numeric_limits<float>::quiet_NaN();
  io.fma_a = kFmaA;
  io.fma_c = kFmaC;
  PitfallProbe{}(arch, &io);
  return io;
}

TEST(XsimdPitfalls, ReferenceArithmetic) {
  volatile float a = kFmaA, c = kFmaC;  // no constant folding, no contraction
  const float product = a * a;
  EXPECT_EQ(product + c, 0.0f);
  EXPECT_EQ(std::fma(kFmaA, kFmaA, kFmaC), kFused);
}

// (a) operator!= on float batches: unordered on sse2 (true for NaN), ORDERED
// (_CMP_NEQ_OQ, false for NaN) on avx / avx512. Use xsimd::isnan.
TEST(XsimdPitfalls, NotEqualNaN) {
  const PitfallIo sse2 = Probe(xsimd::sse2{});
  EXPECT_EQ(sse2.ne_nan_nan, 1.0f);
  EXPECT_EQ(sse2.ne_nan_one, 1.0f);
  EXPECT_EQ(sse2.isnan_nan, 1.0f);
  if (engine::IsaSupported(Isa::kAvx2)) {
    for (const PitfallIo& io :
         {Probe(xsimd::avx2{}), Probe(xsimd::fma3<xsimd::avx2>{})}) {
      EXPECT_EQ(io.ne_nan_nan, 0.0f);
      EXPECT_EQ(io.ne_nan_one, 0.0f);
      EXPECT_EQ(io.isnan_nan, 1.0f);
    }
  }
  if (engine::IsaSupported(Isa::kAvx512)) {
    const PitfallIo avx512 = Probe(xsimd::avx512bw{});
    EXPECT_EQ(avx512.ne_nan_nan, 0.0f);
    EXPECT_EQ(avx512.ne_nan_one, 0.0f);
    EXPECT_EQ(avx512.isnan_nan, 1.0f);
  }
}

// (b) unary minus is 0 - x on avx512, so -(+0) is +0 there (sse2 / avx flip
// the sign bit: -0). Flip the sign bit with XOR.
TEST(XsimdPitfalls, NegateZero) {
  const PitfallIo sse2 = Probe(xsimd::sse2{});
  EXPECT_TRUE(std::signbit(sse2.neg_zero));
  EXPECT_TRUE(std::signbit(sse2.xor_neg_zero));
  if (engine::IsaSupported(Isa::kAvx2)) {
    const PitfallIo avx2 = Probe(xsimd::avx2{});
    EXPECT_TRUE(std::signbit(avx2.neg_zero));
    EXPECT_TRUE(std::signbit(avx2.xor_neg_zero));
  }
  if (!engine::IsaSupported(Isa::kAvx512)) {
    GTEST_SKIP() << "no AVX-512";
  }
  const PitfallIo avx512 = Probe(xsimd::avx512bw{});
  EXPECT_EQ(avx512.neg_zero, 0.0f);
  EXPECT_FALSE(std::signbit(avx512.neg_zero)) << "-(+0) is -0 on avx512 now";
  EXPECT_TRUE(std::signbit(avx512.xor_neg_zero));
}

// (c) xsimd::fma is a real FMA only on fma3<...> archs: on sse2, avx2 and
// avx512bw it is mul then add (with -ffp-contract=off, as kernels build).
// _mm512_fmadd_ps / _mm256_fmadd_ps are always fused.
TEST(XsimdPitfalls, Fma) {
  EXPECT_EQ(Probe(xsimd::sse2{}).xsimd_fma, 0.0f);
  if (engine::IsaSupported(Isa::kAvx2)) {
    const PitfallIo avx2 = Probe(xsimd::avx2{});
    EXPECT_EQ(avx2.xsimd_fma, 0.0f);
    EXPECT_EQ(avx2.raw_fma, kFused);
    const PitfallIo fma3 = Probe(xsimd::fma3<xsimd::avx2>{});
    EXPECT_EQ(fma3.xsimd_fma, kFused);
    EXPECT_EQ(fma3.raw_fma, kFused);
  }
  if (!engine::IsaSupported(Isa::kAvx512)) {
    GTEST_SKIP() << "no AVX-512";
  }
  const PitfallIo avx512 = Probe(xsimd::avx512bw{});
  EXPECT_EQ(avx512.xsimd_fma, 0.0f) << "xsimd::fma fuses on avx512 now";
  EXPECT_EQ(avx512.raw_fma, kFused);
}

}  // namespace
}  // namespace quantsim::kernels::testing
