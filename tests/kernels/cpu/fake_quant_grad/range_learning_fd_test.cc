// dmin/dmax of the kernel against central finite differences of a
// double-precision re-implementation of the forward loss L = sum g x_hat.
//
// The STE gradients are not the derivative of the true (piecewise constant
// in its rounding) forward, so, like flashlight's jacobian tests, we
// difference a surrogate that equals the forward at the base point and is
// smooth where the STE says the rounding is transparent:
//  - round(x/s) -> x/s + c_i with c_i = round(u0) - u0 frozen at the base
//    point (STE: d round(v)/dv = 1), used inside the grid;
//  - the offset: v1 treats o as continuous, o ~ N min/(max - min) (spec
//    §3.3), v2 passes ste_round(min/s) straight through (§3.4); both become
//    o(min, max) = min/s + c_o - qlo, c_o = o_base - (min0/s0 - qlo) frozen,
//    so the surrogate's do/dmin, do/dmax are exactly those of the formulas;
//  - which side of the grid (inside, below, above) each x falls on is the
//    real forward's decision at the perturbed point; the points are moved
//    away from every kink (u = x/s within 0.06 of a half-integer, min/s
//    likewise) so that decision cannot change within +-h (checked).
// Clamped values stay clamped (their derivative is the clamp's, 0 for x).
// The surrogate is linear in (min, max) at fixed sides, so central
// differences have no truncation error, only rounding.
#include <math.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "tests/kernels/cpu/fake_quant_grad/test_util.h"

namespace quantsim::kernels {
namespace {

double Round(double v, bool half_even) {
  return half_even ? nearbyint(v) : round(v);  // default FE_TONEAREST
}

struct GridD {
  double s, o, qlo, qhi;
};

class Surrogate {
 public:
  Surrogate(const RangeGradConfig& c, const std::vector<float>& x,
            const std::vector<float>& g, double mn0, double mx0)
      : c_(c), x_(x.begin(), x.end()), g_(g.begin(), g.end()) {
    const GridD b = Real(mn0, mx0);
    c_o_ = b.o - Continuous(mn0, mx0, 0.0).o;
    for (double xi : x_) {
      const double u = xi / b.s;
      c_i_.push_back(Round(u, HalfEven()) - u);
      side_.push_back(Side(xi, b));
    }
  }

  // L(min, max) of the surrogate; false if some side differs from the base.
  bool Loss(double mn, double mx, double* loss) const {
    const GridD real = Real(mn, mx);
    const GridD sur = Continuous(mn, mx, c_o_);
    double l = 0.0;
    for (size_t i = 0; i < x_.size(); ++i) {
      if (Side(x_[i], real) != side_[i]) return false;
      double xh;
      if (side_[i] == 0) {
        xh = (x_[i] / sur.s + c_i_[i]) * sur.s;
      } else {
        xh = ((side_[i] < 0 ? sur.qlo : sur.qhi) + sur.o) * sur.s;
      }
      l += g_[i] * xh;
    }
    *loss = l;
    return true;
  }

  double AbsLoss(double mn, double mx) const {  // sum |g x_hat|, for rounding
    const GridD b = Real(mn, mx);
    double l = 0.0;
    for (size_t i = 0; i < x_.size(); ++i) {
      const double q =
          fmin(fmax(Round(x_[i] / b.s, HalfEven()) - b.o, b.qlo), b.qhi);
      l += fabs(g_[i] * (q + b.o) * b.s);
    }
    return l;
  }

 private:
  bool HalfEven() const { return c_.rounding == RoundingMode::kHalfToEven; }
  bool V1() const { return c_.formula == RangeGradFormula::kAimetV1; }

  // The forward's grid (§3.3 / §3.4) in double, offset rounded.
  GridD Real(double mn, double mx) const {
    const double n = RangeGradSteps(c_);
    GridD d;
    if (V1()) {
      d.qlo = 0;
      d.qhi = n;
      if (c_.symmetric) {
        d.s = mx / floor(n / 2);
        d.o = -ceil(n / 2);
      } else {
        d.s = (mx - mn) / n;
        d.o = -fmin(fmax(Round(-mn / d.s, HalfEven()), 0.0), n);
      }
    } else {
      d.s = (mx - mn) / n;
      d.qlo = c_.symmetric ? -ceil(n / 2) : 0.0;
      d.qhi = c_.symmetric ? floor(n / 2) : n;
      d.o = c_.symmetric ? 0.0 : Round(mn / d.s, HalfEven()) - d.qlo;
    }
    return d;
  }

  // The same grid with a continuous offset min/s - qlo + c_o (asymmetric).
  GridD Continuous(double mn, double mx, double c_o) const {
    GridD d = Real(mn, mx);
    if (!c_.symmetric) d.o = mn / d.s - d.qlo + c_o;
    return d;
  }

  int Side(double x, const GridD& d) const {
    const double r = Round(x / d.s, HalfEven()) - d.o;
    return r < d.qlo ? -1 : (r > d.qhi ? 1 : 0);
  }

  RangeGradConfig c_;
  std::vector<double> x_, g_, c_i_;
  std::vector<int> side_;
  double c_o_ = 0.0;
};

// Distance of v to the nearest half-integer.
double KinkDistance(double v) { return fabs(v - floor(v) - 0.5); }

struct FdCase {
  RangeGradConfig config;
  float mn, mx;
};

class RangeFdTest : public ::testing::TestWithParam<FdCase> {};

TEST_P(RangeFdTest, MatchesCentralDifferences) {
  const FdCase fc = GetParam();
  const RangeGradConfig& c = fc.config;
  SCOPED_TRACE(testing::Describe(PerTensorLayout(1), c));
  const bool v1_sym = c.formula == RangeGradFormula::kAimetV1 && c.symmetric;
  float mn = fc.mn, mx = fc.mx;
  RangeGradGrid grid = MakeRangeGradGrid(mn, mx, c);
  // Keep min/s off half-integers (the offset's rounding kink).
  while (!c.symmetric && KinkDistance(mn / grid.scale) < 0.06) {
    mn -= 0.1f * grid.scale;
    grid = MakeRangeGradGrid(mn, mx, c);
  }
  const double s0 = grid.scale;
  const double lo = (grid.qlo + grid.offset) * s0,
               hi = (grid.qhi + grid.offset) * s0;
  std::vector<float> x =
      testing::Uniform(400, lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo), 17);
  for (float& v : x) {  // move off the rounding kinks of u = x/s
    if (KinkDistance(v / s0) < 0.06) v += 0.15f * grid.scale;
  }
  const std::vector<float> g = testing::Uniform(x.size(), -1.0f, 1.0f, 23);

  float dmin = 0.0f, dmax = 0.0f;
  RangeLearnBackward(x.data(), g.data(), PerTensorLayout(x.size()), &mn, &mx, c,
                     nullptr, &dmin, &dmax, nullptr);

  const Surrogate sur(c, x, g, mn, mx);
  const double h = 0.01 * s0;  // moves u by <= 0.01 |u| / N << 0.06
  double lp, lm;
  ASSERT_TRUE(sur.Loss(mn, mx + h, &lp) && sur.Loss(mn, mx - h, &lm));
  const double fd_max = (lp - lm) / (2 * h);
  ASSERT_TRUE(sur.Loss(mn + h, mx, &lp) && sur.Loss(mn - h, mx, &lm));
  const double fd_min = (lp - lm) / (2 * h);

  // Tolerance, derived: the kernel works in float. s = fl(fl(max - min)/N)
  // and u = fl(x/s) put at most ~3 2^-24 |u| into each inside term d =
  // round(u) - u (clipped terms q + o are exact), the coefficients carry a
  // few 2^-24 relative, dmin/dmax one more float rounding: bounded by
  // 2^-21 (|c_s| sum|g|(|u| + 1) + |c_o| sum|g|). The surrogate's sums in
  // double lose at most n 2^-53 sum|g x_hat| per loss, divided by h.
  double sum_gu = 0.0, sum_g = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    sum_gu += fabs(g[i]) * (fabs(x[i] / s0) + 1.0);
    sum_g += fabs(g[i]);
  }
  const double fd_err = x.size() * ldexp(1.0, -52) * sur.AbsLoss(mn, mx) / h;
  const double tol_min = ldexp(1.0, -21) * (fabs(grid.dmin_ds) * sum_gu +
                                            fabs(grid.dmin_dso) * sum_g) +
                         fd_err;
  const double tol_max = ldexp(1.0, -21) * (fabs(grid.dmax_ds) * sum_gu +
                                            fabs(grid.dmax_dso) * sum_g) +
                         fd_err;
  EXPECT_NEAR(dmax, fd_max, tol_max);
  if (v1_sym) {
    // v1 symmetric ignores min in the forward (fd_min = 0); AIMET returns
    // dmin = -dmax to keep the range symmetric.
    EXPECT_NEAR(fd_min, 0.0, fd_err);
    EXPECT_EQ(dmin, -dmax);
  } else {
    EXPECT_NEAR(dmin, fd_min, tol_min);
  }
  // The check has teeth: the gradients are far from zero here.
  EXPECT_GT(fabs(fd_max), 100 * tol_max);
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, RangeFdTest,
    ::testing::Values(FdCase{V2RangeGradConfig(8, false), -0.71f, 1.93f},
                      FdCase{V2RangeGradConfig(3, false), -1.3f, 0.45f},
                      FdCase{V2RangeGradConfig(8, true), -1.1f, 1.05f},
                      FdCase{V2RangeGradConfig(4, true), -0.6f, 0.8f},
                      FdCase{AimetV1RangeGradConfig(8, false), -0.71f, 1.93f},
                      FdCase{AimetV1RangeGradConfig(4, false), -2.2f, 0.9f},
                      FdCase{AimetV1RangeGradConfig(8, true), -1.5f, 1.5f},
                      FdCase{AimetV1RangeGradConfig(4, true, true), -0.9f,
                             0.9f}));

}  // namespace
}  // namespace quantsim::kernels
