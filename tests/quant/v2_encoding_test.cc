// Tests for quant/v2_encoding.h: aimet_torch.v2 min-max rules, float32.
#include "quant/v2_encoding.h"

#include <cfloat>
#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::quant {
namespace {

using ::testing::HasSubstr;

Encoding V2(float min, float max, int bw, bool sym,
            V2MinScale s = V2MinScale::kFltEpsilon) {
  absl::StatusOr<Encoding> e = ComputeV2MinMaxEncoding(min, max, bw, sym, s);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Encoding{};
}

// Spec §1.11 last example: observed (-2, 1), 8-bit symmetric.
TEST(V1VersusV2Test, SymmetricMinMax) {
  GridOptions o;
  o.bitwidth = 8;
  o.symmetric = true;
  absl::StatusOr<Encoding> v1 = ComputeTfEncoding(-2, 1, o);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->scale, 2.0 / 127);
  EXPECT_NEAR(v1->min, -2.0157, 5e-5);
  EXPECT_EQ(v1->max, 2.0);

  const Encoding v2 = V2(-2, 1, 8, true);
  EXPECT_EQ(v2.scale, 0.015625);  // max(1/127, 2/128)
  EXPECT_EQ(v2.min, -2.0);
  EXPECT_EQ(v2.max, 1.984375);
  EXPECT_EQ(v2.offset, -128);  // legacy = offset_v2 (0) + qmin (-128)
  EXPECT_TRUE(UsesSignedGrid(v2));

  const kernels::QdqParam p = ToV2KernelParam(v2);
  const kernels::QdqConfig c = V2KernelConfig(v2);
  EXPECT_EQ(p.zero_point, 0.0f);
  EXPECT_EQ(p.scale, 0.015625f);
  EXPECT_EQ(c.qmin, -128.0f);
  EXPECT_EQ(c.qmax, 127.0f);
  EXPECT_EQ(c.rounding, kernels::RoundingMode::kHalfToEven);
  EXPECT_EQ(kernels::FakeQuantValue(1.0f, p, c, 0), 1.0f);
  EXPECT_EQ(kernels::FakeQuantValue(5.0f, p, c, 0), 1.984375f);
  EXPECT_EQ(kernels::FakeQuantValue(-5.0f, p, c, 0), -2.0f);
  // Half to even: 0.5 steps round to the even neighbour.
  EXPECT_EQ(kernels::FakeQuantValue(1.5f * 0.015625f, p, c, 0),
            2.0f * 0.015625f);
  EXPECT_EQ(kernels::FakeQuantValue(2.5f * 0.015625f, p, c, 0),
            2.0f * 0.015625f);
}

TEST(V2Test, AsymmetricScaleAndOffsetInFloat) {
  const Encoding e = V2(-1, 2, 8, false);
  const float scale = 3.0f / 255.0f;
  EXPECT_EQ(e.scale, static_cast<double>(scale));
  EXPECT_EQ(e.offset, kernels::RoundHalfToEven(-1.0f / scale));
  EXPECT_EQ(e.offset, -85);
  EXPECT_EQ(e.min, static_cast<double>(scale * -85.0f));
  EXPECT_EQ(e.max, static_cast<double>(scale * 170.0f));
  const kernels::QdqParam p = ToV2KernelParam(e);
  const kernels::QdqConfig c = V2KernelConfig(e);
  EXPECT_EQ(p.zero_point, 85.0f);
  EXPECT_EQ(c.qmin, 0.0f);
  EXPECT_EQ(c.qmax, 255.0f);
  EXPECT_EQ(kernels::QuantizeValue(0.0f, p, c, 0), 85.0f);
  EXPECT_EQ(kernels::QuantizeValue(10.0f, p, c, 0), 255.0f);
  EXPECT_EQ(kernels::QuantizeValue(-10.0f, p, c, 0), 0.0f);
}

TEST(V2Test, RangeIsClampedToContainZero) {
  absl::StatusOr<V2Range> r = V2MinMaxRange(0.5f, 2.0f, 8, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min, 0.0f);
  EXPECT_EQ(r->max, 2.0f);
  r = V2MinMaxRange(-3.0f, -1.0f, 8, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min, -3.0f);
  EXPECT_EQ(r->max, 0.0f);
}

TEST(V2Test, DegenerateRangeIsWidened) {
  absl::StatusOr<V2Range> a = V2MinMaxRange(0.0f, 0.0f, 8, false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->min, 0.0f);
  EXPECT_EQ(a->max, static_cast<float>(255 * double{FLT_EPSILON}));
  absl::StatusOr<V2Range> s = V2MinMaxRange(0.0f, 0.0f, 8, true);
  ASSERT_TRUE(s.ok());
  // Widened to [-128 eps, 127 eps], then Δ = max(127eps/127, 128eps/128).
  EXPECT_EQ(s->max, 127.0f * FLT_EPSILON);
  EXPECT_EQ(s->min, -128.0f * FLT_EPSILON);
  const Encoding e = V2(0.0f, 0.0f, 8, true);
  EXPECT_EQ(e.scale, double{FLT_EPSILON});
  // A range wide enough is left alone.
  absl::StatusOr<V2Range> w = V2MinMaxRange(0.0f, 1e-3f, 8, false);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->max, 1e-3f);
}

TEST(V2Test, NewerMinimumScale) {
  // 16 bits: 0.01 / 65535 > FLT_EPSILON, so both rules agree.
  absl::StatusOr<V2Range> a =
      V2MinMaxRange(0.0f, 0.0f, 16, false, V2MinScale::kEpsilonOrPerStep);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->max, static_cast<float>(65535 * double{FLT_EPSILON}));
  // 24 bits: 0.01 / (2^24 - 1) < FLT_EPSILON.
  const double n = 16777215.0;
  a = V2MinMaxRange(0.0f, 0.0f, 24, false, V2MinScale::kEpsilonOrPerStep);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->max, static_cast<float>(n * (0.01 / n)));
  absl::StatusOr<V2Range> old = V2MinMaxRange(0.0f, 0.0f, 24, false);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->max, static_cast<float>(n * double{FLT_EPSILON}));
}

TEST(V2Test, InfiniteObservationsClampToFloatMax) {
  const float inf = std::numeric_limits<float>::infinity();
  absl::StatusOr<V2Range> r = V2MinMaxRange(-inf, inf, 8, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min, -FLT_MAX);
  EXPECT_EQ(r->max, FLT_MAX);
  // ... whose width overflows float: the quantizer cannot use it.
  EXPECT_THAT(V2EncodingFromMinMax(r->min, r->max, 8, true).status().message(),
              HasSubstr("must be finite and > 0"));
}

TEST(V2Test, PassThroughAndValidation) {
  EXPECT_TRUE(V2(-1, 1, 32, false).pass_through);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(V2MinMaxRange(nan, 1, 8, false).status().message(),
              HasSubstr("NaN"));
  EXPECT_THAT(V2MinMaxRange(2, 1, 8, false).status().message(),
              HasSubstr("greater than max"));
  EXPECT_THAT(V2MinMaxRange(-1, 1, 1, false).status().message(),
              HasSubstr("bitwidth 1"));
  EXPECT_THAT(V2EncodingFromMinMax(0, 0, 8, false).status().message(),
              HasSubstr("scale"));
  EXPECT_EQ(V2EncodingFromMinMax(0, 0, 8, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::quant
