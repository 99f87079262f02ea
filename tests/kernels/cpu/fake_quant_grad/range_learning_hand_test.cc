// Closed forms of range_learning_math.h on hand-computed cases. All inputs
// are dyadic, so every intermediate is exact and the expected values follow
// by hand (worked out in the comments).
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "tests/kernels/cpu/fake_quant_grad/test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

struct Expected {
  std::vector<float> dx, x_hat;
  double dmin, dmax;
};

void Check(const std::vector<float>& x, const std::vector<float>& g, float mn,
           float mx, const RangeGradConfig& c, const Expected& e) {
  for (Isa isa : testing::AllIsas()) {
    if (!engine::IsaSupported(isa)) continue;
    SCOPED_TRACE(engine::IsaName(isa));
    std::vector<float> dx(x.size()), x_hat(x.size());
    float dmin = 0.0f, dmax = 0.0f;
    RangeLearnBackward(x.data(), g.data(), PerTensorLayout(x.size()), &mn, &mx,
                       c, dx.data(), &dmin, &dmax, x_hat.data(), nullptr, isa);
    testing::ExpectBitEqual(e.dx, dx, "dx");
    testing::ExpectBitEqual(e.x_hat, x_hat, "x_hat");
    // dmin/dmax: exact sums times coefficients like 1/3, one float rounding.
    EXPECT_NEAR(dmin, e.dmin, 4e-7 * std::abs(e.dmin));
    EXPECT_NEAR(dmax, e.dmax, 4e-7 * std::abs(e.dmax));
  }
}

// min = -1, max = 2, b = 2: N = 3, s = 1, offset o = -1 for both v1
// (o = -clamp(round(1/1), 0, 3)) and v2 (o = round(-1/1) - 0), so
// r = round(x) + 1 must lie in [0, 3] and x_hat = (clamp(r) - 1) in [-1, 2].
const std::vector<float> kX = {0.25f, 1.75f, -2.25f, 3.75f,
                               0.5f,  2.5f,  -1.5f,  2.0f};
const std::vector<float> kG = {1, 2, 0.5f, -1, 4, 8, 16, 32};

TEST(RangeLearnHand, V2AsymmetricHalfEven) {
  // x      0.25  1.75  -2.25  3.75  0.5(tie)  2.5(tie)  -1.5(tie)  2(edge)
  // round   0     2     -2     4     0         2         -2         2
  // r       1     3     -1     5     1         3         -1         3
  // mask    1     1      0     0     1         1          0         1
  // d     -.25   .25    -1     2   -.5       -.5        -1          0
  //   (d = round(u) - u inside, q + o outside)
  // g*d   -.25   .5    -.5    -2    -2        -4        -16         0
  // G_s = -24.25; S_o = 0.5 - 1 + 16 = 15.5.
  // dmin = -G_s/3 + S_o (1 + min/(sN)) = 24.25/3 + 15.5 * 2/3 = 55.25/3
  // dmax =  G_s/3 - S_o min/(sN)       = -24.25/3 + 15.5/3   = -8.75/3
  Check(kX, kG, -1.0f, 2.0f, V2RangeGradConfig(2, false),
        {{1, 2, 0, 0, 4, 8, 0, 32},
         {0, 2, -1, 2, 0, 2, -1, 2},
         55.25 / 3,
         -8.75 / 3});
}

TEST(RangeLearnHand, V1AsymmetricHalfAway) {
  // Ties now round away: 0.5 -> 1 (r = 2, inside, d = +.5, x_hat = 1),
  // 2.5 -> 3 (r = 4 > 3: clipped above, d = q + o = 2, dx = 0),
  // -1.5 -> -2 (as before).
  // g*d = -.25, .5, -.5, -2, 2, 16, -16, 0: G_s = -0.25.
  // S_o = 0.5 - 1 + 8 + 16 = 23.5, G_o = s S_o = 23.5, D = 3.
  // dmin = -G_s/N + max N/D^2 G_o = 0.25/3 + (6/9) 23.5 = 47.25/3 = 15.75
  // dmax =  G_s/N - min N/D^2 G_o = -0.25/3 + (3/9) 23.5 = 23.25/3 = 7.75
  Check(kX, kG, -1.0f, 2.0f, AimetV1RangeGradConfig(2, false),
        {{1, 2, 0, 0, 4, 0, 0, 32}, {0, 2, -1, 2, 1, 2, -1, 2}, 15.75, 7.75});
}

TEST(RangeLearnHand, V1SymmetricNonStrict) {
  // b = 3: N = 7, P = floor(7/2) = 3, o = -ceil(7/2) = -4; max = 3 -> s = 1
  // (min is ignored). r = round(x) + 4 in [0, 7]: x_hat in [-4, 3].
  // x      1.25  -5.5       3.25   3.5(tie)  -4.5(tie)
  // round   1    -6(away)    3      4(away)   -5(away)
  // r       5    -2          7      8         -1
  // d     -.25   q+o=-4    -.25    q+o=3     q+o=-4
  // g       1     1          2      4         .5
  // G_s = -.25 - 4 - .5 + 12 - 2 = 5.25; dmax = G_s/P = 1.75, dmin = -dmax.
  Check({1.25f, -5.5f, 3.25f, 3.5f, -4.5f}, {1, 1, 2, 4, 0.5f}, -3.0f, 3.0f,
        AimetV1RangeGradConfig(3, true),
        {{1, 0, 2, 0, 0}, {1, -4, 3, 3, -4}, -1.75, 1.75});
}

TEST(RangeLearnHand, V1SymmetricStrict) {
  // b = 3 strict: N = 6, P = 3, o = -3, max = 3 -> s = 1, grid [-3, 3].
  // -3.25 -> round -3, r = 0 (inside, lower edge), d = .25;
  // -3.5 (tie) -> -4 (away), r = -1, clipped, d = q + o = -3.
  // G_s = .25 - 3 = -2.75, dmax = -2.75/3, dmin = 2.75/3.
  Check({-3.25f, -3.5f}, {1, 1}, -3.0f, 3.0f,
        AimetV1RangeGradConfig(3, true, true),
        {{1, 0}, {-3, -3}, 2.75 / 3, -2.75 / 3});
}

TEST(RangeLearnHand, V2Symmetric) {
  // b = 3: N = 7, qlo = -4, qhi = 3, o = 0; min = -4, max = 3 -> s = 1.
  // 1.25 -> 1 inside, d = -.25; -5.5 -> -6 (even) clipped, d = -4;
  // 3.5 (tie) -> 4 (even), r = 4 > 3 clipped, d = 3;
  // -4.5 (tie) -> -4 (even), r = -4 inside at the edge, d = .5.
  // g = 1, 1, 4, 2: G_s = -.25 - 4 + 12 + 1 = 8.75;
  // dmin = -G_s/7 = -1.25, dmax = 1.25 (o is constant: S_o unused).
  Check({1.25f, -5.5f, 3.5f, -4.5f}, {1, 1, 4, 2}, -4.0f, 3.0f,
        V2RangeGradConfig(3, true),
        {{1, 0, 0, 2}, {1, -4, 3, -4}, -1.25, 1.25});
}

TEST(RangeLearnHand, GateLearnedGridRange) {
  // min <= 0, max >= 0, max >= min + 1e-5 (spec §3.3 housekeeping).
  std::vector<float> mn = {0.5f, -1.0f, -2.0f, 0.0f};
  std::vector<float> mx = {2.0f, -0.5f, 3.0f, 0.0f};
  GateLearnedGridRange(mn.data(), mx.data(), 4);
  EXPECT_EQ(mn, (std::vector<float>{0.0f, -1.0f, -2.0f, 0.0f}));
  EXPECT_EQ(mx, (std::vector<float>{2.0f, 0.0f, 3.0f, 1e-5f}));
}

TEST(RangeLearnHand, GridOfEachFormula) {
  // 8-bit, min = -1, max = 1.55: v2 asym s = 2.55/255 = 0.01,
  // o = round(-100) = -100; v1 o = -clamp(round(100), 0, 255) = -100.
  const RangeGradGrid v2 =
      MakeRangeGradGrid(-1.0f, 1.55f, V2RangeGradConfig(8, false));
  EXPECT_FLOAT_EQ(v2.scale, 0.01f);
  EXPECT_EQ(v2.offset, -100.0f);
  EXPECT_EQ(v2.qlo, 0.0f);
  EXPECT_EQ(v2.qhi, 255.0f);
  const RangeGradGrid v1 =
      MakeRangeGradGrid(-1.0f, 1.55f, AimetV1RangeGradConfig(8, false));
  EXPECT_EQ(v1.offset, -100.0f);
  const RangeGradGrid v2s =
      MakeRangeGradGrid(-1.0f, 1.0f, V2RangeGradConfig(8, true));
  EXPECT_EQ(v2s.qlo, -128.0f);
  EXPECT_EQ(v2s.qhi, 127.0f);
  EXPECT_EQ(v2s.offset, 0.0f);
  const RangeGradGrid v1s =
      MakeRangeGradGrid(-1.27f, 1.27f, AimetV1RangeGradConfig(8, true, true));
  EXPECT_FLOAT_EQ(v1s.scale, 0.01f);  // max / floor(254/2)
  EXPECT_EQ(v1s.offset, -127.0f);
  EXPECT_EQ(v1s.qhi, 254.0f);
}

}  // namespace
}  // namespace quantsim::kernels
