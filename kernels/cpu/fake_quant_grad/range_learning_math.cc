#include "kernels/cpu/fake_quant_grad/range_learning_math.h"

#include <math.h>

#include <algorithm>

namespace quantsim::kernels {

RangeGradConfig AimetV1RangeGradConfig(int bitwidth, bool symmetric,
                                       bool strict_symmetric) {
  RangeGradConfig c;
  c.formula = RangeGradFormula::kAimetV1;
  c.bitwidth = bitwidth;
  c.symmetric = symmetric;
  c.strict_symmetric = strict_symmetric;
  c.rounding = RoundingMode::kHalfAwayFromZero;
  return c;
}

RangeGradConfig V2RangeGradConfig(int bitwidth, bool symmetric) {
  RangeGradConfig c;
  c.formula = RangeGradFormula::kV2;
  c.bitwidth = bitwidth;
  c.symmetric = symmetric;
  c.rounding = RoundingMode::kHalfToEven;
  return c;
}

double RangeGradSteps(const RangeGradConfig& c) {
  double n = ldexp(1.0, c.bitwidth) - 1.0;
  if (c.formula == RangeGradFormula::kAimetV1 && c.symmetric &&
      c.strict_symmetric) {
    n -= 1.0;
  }
  return n;
}

RangeGradGrid MakeRangeGradGrid(float enc_min, float enc_max,
                                const RangeGradConfig& c) {
  const double n = RangeGradSteps(c);
  const float nf = static_cast<float>(n);
  const bool half_even = c.rounding == RoundingMode::kHalfToEven;
  auto round = [half_even](float v) {
    return half_even ? RoundHalfToEven(v) : RoundHalfAway(v);
  };
  const double mn = enc_min, mx = enc_max, d = mx - mn;
  RangeGradGrid g;
  if (c.formula == RangeGradFormula::kAimetV1) {
    g.qlo = 0.0f;
    g.qhi = nf;
    if (c.symmetric) {
      const double p = floor(n / 2);
      g.scale = enc_max / static_cast<float>(p);
      g.offset = -static_cast<float>(ceil(n / 2));
      g.dmax_ds = 1.0 / p;
      g.dmin_ds = -g.dmax_ds;
    } else {
      g.scale = (enc_max - enc_min) / nf;
      g.offset = -ClampKeepNan(round(-enc_min / g.scale), 0.0f, nf);
      const double s = g.scale;  // G_o = s * S_o
      g.dmin_ds = -1.0 / n;
      g.dmax_ds = 1.0 / n;
      g.dmin_dso = mx * n / (d * d) * s;
      g.dmax_dso = -mn * n / (d * d) * s;
    }
  } else {
    g.scale = (enc_max - enc_min) / nf;
    g.dmin_ds = -1.0 / n;
    g.dmax_ds = 1.0 / n;
    if (c.symmetric) {
      g.qlo = -static_cast<float>(ceil(n / 2));
      g.qhi = static_cast<float>(floor(n / 2));
      g.offset = 0.0f;
    } else {
      g.qlo = 0.0f;
      g.qhi = nf;
      g.offset = round(enc_min / g.scale) - g.qlo;
      const double s = g.scale;
      g.dmin_dso = 1.0 + mn / (s * n);
      g.dmax_dso = -mn / (s * n);
    }
  }
  return g;
}

void GateLearnedGridRange(float* enc_min, float* enc_max, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float mn = std::min(enc_min[i], 0.0f);
    float mx = std::max(enc_max[i], 0.0f);
    mx = std::max(mx, mn + 1e-5f);
    enc_min[i] = mn;
    enc_max[i] = mx;
  }
}

}  // namespace quantsim::kernels
