// Tests for quant/libpymo_encoding.h: the spec §1.11 vectors, the kernel
// re-derivation (§1.4) and input validation. AIMET's own outputs are checked
// in libpymo_golden_test.cc.
#include "quant/libpymo_encoding.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::quant {
namespace {

using ::testing::HasSubstr;

GridOptions Opts(int bw, bool sym = false, bool strict = false,
                 bool usym = false) {
  GridOptions o;
  o.bitwidth = bw;
  o.symmetric = sym;
  o.strict_symmetric = strict;
  o.unsigned_symmetric = usym;
  return o;
}

Encoding Tf(double min, double max, const GridOptions& o) {
  absl::StatusOr<Encoding> e = ComputeTfEncoding(min, max, o);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Encoding{};
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

// Spec §1.11, libpymo rules, through the TF analyzer path (gate, then
// getComputedEncodings). The spec prints 9 digits; Δ is checked against the
// exact double expression libpymo evaluates, min/max within 4 ulps.
TEST(SpecTableTest, AsymmetricMinusOneTwo) {
  const Encoding e = Tf(-1, 2, Opts(8));
  EXPECT_EQ(e.scale, 3.0 / 255);
  EXPECT_EQ(e.offset, -85);
  EXPECT_DOUBLE_EQ(e.min, -1.0);
  EXPECT_DOUBLE_EQ(e.max, 2.0);
  EXPECT_FALSE(e.pass_through);
}

TEST(SpecTableTest, SymmetricNonStrict) {
  const Encoding e = Tf(-1, 2, Opts(8, /*sym=*/true));
  EXPECT_EQ(e.scale, 2.0 / 127);
  EXPECT_EQ(e.offset, -128);
  EXPECT_DOUBLE_EQ(e.min, -2.015748031496063);
  EXPECT_NEAR(e.min, -2.015748031, 5e-10);
  EXPECT_EQ(e.max, 2.0);
  EXPECT_TRUE(UsesSignedGrid(e));
}

TEST(SpecTableTest, SymmetricStrict) {
  const Encoding e = Tf(-1, 2, Opts(8, true, /*strict=*/true));
  EXPECT_EQ(e.scale, 2.0 / 127);
  EXPECT_EQ(e.offset, -127);
  EXPECT_EQ(e.min, -2.0);
  EXPECT_EQ(e.max, 2.0);
  EXPECT_TRUE(e.strict_symmetric);
}

TEST(SpecTableTest, UnsignedSymmetric) {
  const Encoding e = Tf(0, 2, Opts(8, true, false, /*usym=*/true));
  EXPECT_EQ(e.scale, 2.0 / 255);
  EXPECT_EQ(e.offset, 0);
  EXPECT_EQ(e.min, 0.0);
  EXPECT_EQ(e.max, 2.0);
  EXPECT_FALSE(UsesSignedGrid(e));
  // unsigned_symmetric only applies when min >= 0.
  const Encoding s = Tf(-0.5, 2, Opts(8, true, false, true));
  EXPECT_EQ(s.offset, -128);
  EXPECT_EQ(s.scale, 2.0 / 127);
}

TEST(SpecTableTest, PositiveMinIsGatedToZero) {
  const Encoding e = Tf(0.3, 2, Opts(8));
  EXPECT_EQ(e.scale, 2.0 / 255);
  EXPECT_EQ(e.offset, 0);
  EXPECT_EQ(e.min, 0.0);
  EXPECT_EQ(e.max, 2.0);
}

TEST(SpecTableTest, FourBitShiftKeepsTheWidth) {
  const Encoding e = Tf(-0.7, 0.2, Opts(4));
  EXPECT_DOUBLE_EQ(e.scale, 0.06);
  EXPECT_EQ(e.offset, -12);  // round(0.7 / 0.06) = round(11.67)
  EXPECT_DOUBLE_EQ(e.min, -0.72);
  EXPECT_DOUBLE_EQ(e.max, 0.18);
  // Width preserved exactly as libpymo computes it: max' = max - min + min'.
  EXPECT_EQ(e.max, (0.2 - -0.7) + e.min);
}

// getComputedEncodings keeps the width (max' = max - min + min') while the
// kernel re-derivation uses max = N * delta + min. For (-0.763, 3.223) the
// two differ in the last bit, which pins down both formulas.
TEST(ShiftTest, WidthFormulaDiffersFromKernelFormula) {
  const Encoding e = Tf(-0.763, 3.223, Opts(8));
  EXPECT_EQ(e.offset, -49);
  EXPECT_EQ(e.max, 3.220062745098039);
  EXPECT_EQ(e.max, (3.223 - -0.763) + e.min);
  EXPECT_NE(e.max, 255 * e.scale + e.min);
  absl::StatusOr<Encoding> k = LibpymoKernelEncoding(-0.763, 3.223, 8);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->offset, -49);
  EXPECT_EQ(k->min, e.min);
  EXPECT_EQ(k->max, 3.2200627450980392);
  EXPECT_NE(k->max, e.max);
}

// QDQ sub-table of §1.11 with the first row's encoding, both with the
// encoding used as is and re-derived by the kernel from (min, max, bw).
TEST(SpecTableTest, QdqWithTheAsymmetricEncoding) {
  const Encoding e = Tf(-1, 2, Opts(8));
  absl::StatusOr<Encoding> k = LibpymoKernelEncoding(e.min, e.max, 8);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->offset, -85);
  EXPECT_EQ(k->scale, e.scale);
  struct Row {
    float x;
    float q;
    float y;
  };
  const Row rows[] = {{-1.5f, 0, -1.0f},
                      {0.0f, 85, 0.0f},
                      {0.004f, 85, 0.0f},
                      {0.5f, 128, 0.505882353f},
                      {2.5f, 255, 2.0f}};
  for (const Encoding& enc : {e, *k}) {
    const kernels::QdqParam p = ToLibpymoKernelParam(enc);
    const kernels::QdqConfig c = LibpymoKernelConfig(enc);
    EXPECT_EQ(c.qmin, 0.0f);
    EXPECT_EQ(c.qmax, 255.0f);
    EXPECT_EQ(c.rounding, kernels::RoundingMode::kHalfAwayFromZero);
    for (const Row& r : rows) {
      EXPECT_EQ(kernels::QuantizeValue(r.x, p, c, 0), r.q) << r.x;
      const float y = kernels::FakeQuantValue(r.x, p, c, 0);
      EXPECT_FLOAT_EQ(y, r.y) << r.x;
      EXPECT_EQ(Bits(y), Bits((r.q - 85.0f) * static_cast<float>(3.0 / 255)))
          << r.x;
    }
  }
}

TEST(KernelParamTest, ZeroPointIsTheExactFloatNegation) {
  Encoding e;
  e.bitwidth = 8;
  e.scale = 0.25;
  e.offset = 0.0;
  e.min = 0;
  e.max = 63.75;
  EXPECT_EQ(Bits(ToLibpymoKernelParam(e).zero_point), Bits(-0.0f));
  e.offset = -0.0;
  EXPECT_EQ(Bits(ToLibpymoKernelParam(e).zero_point), Bits(0.0f));
  e.offset = -128;
  e.min = -32;
  e.max = 31.75;
  const kernels::QdqParam p = ToLibpymoKernelParam(e);
  EXPECT_EQ(p.zero_point, 128.0f);
  EXPECT_EQ(p.scale, 0.25f);
  EXPECT_EQ(p.clip_lo, -32.0f);
  EXPECT_EQ(p.clip_hi, 31.75f);
}

TEST(KernelEncodingTest, StrictOnlyWhenMinIsExactlyMinusMax) {
  absl::StatusOr<Encoding> strict = LibpymoKernelEncoding(-1, 1, 8);
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(strict->strict_symmetric);
  EXPECT_EQ(strict->offset, -127);
  EXPECT_EQ(strict->scale, 2.0 / 254);
  EXPECT_EQ(LibpymoKernelConfig(*strict).qmax, 254.0f);
  absl::StatusOr<Encoding> plain = LibpymoKernelEncoding(-1, 0.99, 8);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->strict_symmetric);
  EXPECT_EQ(plain->scale, 1.99 / 255);
  // Zero range: gated to [0, 1e-5], not strict.
  absl::StatusOr<Encoding> zero = LibpymoKernelEncoding(0, 0, 8);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->max, 255 * (1e-5 / 255) + 0.0);
  EXPECT_EQ(zero->scale, 1e-5 / 255);
  // All-negative range gated to include 0.
  absl::StatusOr<Encoding> neg = LibpymoKernelEncoding(-3, -1, 8);
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(neg->offset, -255);
  EXPECT_EQ(neg->scale, 3.0 / 255);
}

TEST(KernelEncodingTest, PerChannelStrictnessComesFromChannelZero) {
  absl::StatusOr<PerChannelEncoding> a =
      LibpymoKernelEncodings({-1, -2, -1}, {1, 1, 0.5}, 8);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 3u);
  for (const Encoding& e : *a) EXPECT_TRUE(e.strict_symmetric);
  EXPECT_EQ((*a)[1].scale, 3.0 / 254);
  absl::StatusOr<PerChannelEncoding> b =
      LibpymoKernelEncodings({-2, -1}, {1, 1}, 8);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE((*b)[1].strict_symmetric);  // channel 1 alone would be strict
  EXPECT_EQ((*b)[1].scale, 2.0 / 255);
  const std::vector<kernels::QdqParam> params = ToLibpymoKernelParams(*b);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1].scale, static_cast<float>(2.0 / 255));

  EXPECT_THAT(LibpymoKernelEncodings({-1}, {1, 2}, 8).status().message(),
              HasSubstr("same non-zero size"));
  EXPECT_THAT(LibpymoKernelEncodings({}, {}, 8).status().message(),
              HasSubstr("same non-zero size"));
  EXPECT_THAT(LibpymoKernelEncodings({-1, 2}, {1, 1}, 8).status().message(),
              HasSubstr("channel 1: min 2 is greater than max 1"));
}

TEST(InfinityTest, InfinitiesBecomeFloatMax) {
  const double inf = std::numeric_limits<double>::infinity();
  const Encoding a = Tf(-inf, inf, Opts(8));
  EXPECT_EQ(a.scale, (double{FLT_MAX} + double{FLT_MAX}) / 255);
  EXPECT_EQ(a.offset, -128);  // round(127.5)
  // libpymo caps max' at FLT_MAX but not min' = offset * delta, which here
  // lies below -FLT_MAX (kept for bit-compatibility).
  EXPECT_EQ(a.min, -128 * a.scale);
  EXPECT_LT(a.min, -double{FLT_MAX});
  EXPECT_EQ(a.max, (double{FLT_MAX} + double{FLT_MAX}) + a.min);  // 127Δ
  const Encoding s = Tf(-inf, 1, Opts(8, true));
  EXPECT_EQ(s.scale, double{FLT_MAX} / 127);
  EXPECT_EQ(s.min, -double{FLT_MAX});  // -128Δ capped
  EXPECT_EQ(s.max, std::min(127 * (double{FLT_MAX} / 127), double{FLT_MAX}));
}

TEST(TfEncodingTest, NoDataGatesToMinRange) {
  const Encoding e = Tf(kNoDataMin, kNoDataMax, Opts(4));
  EXPECT_EQ(e.min, 0.0);
  EXPECT_EQ(e.max, 0.01);
  EXPECT_EQ(e.scale, 0.01 / 15);
  EXPECT_EQ(e.offset, 0);
}

TEST(PassThroughTest, BitwidthThirtyTwo) {
  const Encoding e = Tf(-1, 2, Opts(32));
  EXPECT_TRUE(e.pass_through);
  EXPECT_EQ(e.bitwidth, 32);
  absl::StatusOr<Encoding> k = LibpymoKernelEncoding(-1, 2, 32);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->pass_through);
  EXPECT_TRUE(ValidateEncoding(e).ok());
}

TEST(ValidationTest, BadInputNamesTheProblem) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    absl::Status status;
    const char* message;
  };
  const Case cases[] = {
      {ComputeTfEncoding(-1, 1, Opts(1)).status(), "bitwidth 1 is outside"},
      {ComputeTfEncoding(-1, 1, Opts(33)).status(), "bitwidth 33"},
      {ComputeTfEncoding(nan, 1, Opts(8)).status(), "NaN"},
      {ComputeTfEncoding(-1, nan, Opts(8)).status(), "NaN"},
      {ComputeTfEncoding(2, 1, Opts(8)).status(),
       "min 2 is greater than max 1"},
      {ComputeTfEncoding(-1e300, 1, Opts(8)).status(), "outside the float"},
      {ComputeLibpymoEncoding(0.5, 1, Opts(8)).status(), "does not contain 0"},
      {ComputeLibpymoEncoding(-1, -0.5, Opts(8)).status(),
       "does not contain 0"},
      {ComputeLibpymoEncoding(0, 0, Opts(8)).status(), "empty range"},
      {ComputeLibpymoEncoding(1, -1, Opts(8)).status(), "greater than max"},
      {LibpymoKernelEncoding(-inf, 1, 8).status(), "must be finite"},
      {LibpymoKernelEncoding(nan, 1, 8).status(), "NaN"},
      {LibpymoKernelEncoding(1, -1, 8).status(), "greater than max"},
      {LibpymoKernelEncoding(-1, 1e39, 8).status(), "outside the float"},
      {LibpymoKernelEncoding(-1, 1, 0).status(), "bitwidth 0"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(c.status.message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace quantsim::quant
