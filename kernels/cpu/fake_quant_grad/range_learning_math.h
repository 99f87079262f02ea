// quantsim kernels: range-learning (learnable min/max) QDQ backward, the
// math. Spec §3.3 (AIMET v1 LearnedGrid) and §3.4 (v2 QuantDequantFunc);
// LSQ (Esser et al. 2019, arXiv:1902.08153), LSQ+ (Bhalgat et al. 2020).
//
// Both formulas share one element rule over a per-channel grid
// (scale s, offset o, integer range [qlo, qhi], N = qhi - qlo):
//     u = x / s,  r = round(u) - o,  q = clamp(r, qlo, qhi),
//     x_hat = (q + o) * s,  mask = qlo <= r <= qhi.
//   AIMET v1 (LearnedGrid), round = half away from zero (libpymo):
//     N = 2^b - 1 (- 1 if strict symmetric), qlo = 0, qhi = N;
//     asym: s = D/N with D = max - min, o = -clamp(round(-min/s), 0, N);
//     sym:  s = max / floor(N/2), o = -ceil(N/2) (min is ignored).
//   v2, round = half to even (torch.round):
//     N = 2^b - 1, s = D/N; asym: qlo = 0, qhi = N, o = round(min/s) - qlo;
//     sym: qlo = -ceil(N/2), qhi = floor(N/2), o = 0.
//
// Gradients w.r.t. s and o at fixed (s, o), STE for round (d round(v)/dv =
// 1), g = dL/dx_hat:
//   inside (qlo <= r <= qhi): x_hat = round(u) s (o cancels), so
//     dx_hat/dx = 1,  dx_hat/ds = round(u) - u,  dx_hat/do = 0;
//   clipped below (r < qlo) / above (r > qhi): x_hat = (qlo|qhi + o) s, so
//     dx_hat/dx = 0,  dx_hat/ds = q + o,  dx_hat/do = s.
//   Hence, per channel (sums over the channel's elements):
//     dx  = g * mask
//     G_s = sum g * d,  d = mask ? round(u) - u : q + o
//           (= sum g (q + o - mask u), the LSQ form; round(u) - u is exact
//           in float, which avoids the cancellation of q + o - u)
//     G_o = s * S_o,    S_o = sum over mask == 0 of g
//   Cases: exact ties (u = k + 1/2) take the rounding mode's integer and the
//   inside formula (d = +-1/2); x exactly at a grid edge (x = (qlo + o) s or
//   (qhi + o) s) has r = qlo or qhi, so it is inside (mask 1, d = 0); the
//   mask (and x_hat, G_s) jumps where round(u) crosses qlo - 1/2 or
//   qhi + 1/2, i.e. x = (qlo + o - 1/2) s or (qhi + o + 1/2) s: at a tie
//   there the rounding mode decides. NaN x gives mask 0 and NaN sums.
//
// Chain rule to (min, max), D = max - min:
//   v1 asym (spec §3.3): o is treated as continuous, o ~ min/s = N min / D:
//     ds/dmin = -1/N, ds/dmax = 1/N,
//     do/dmin = N/D + N min/D^2 = N max/D^2,  do/dmax = -N min/D^2,
//     dmin = -G_s/N + max N/D^2 G_o,  dmax = G_s/N - min N/D^2 G_o.
//   v1 sym: ds/dmax = 1/P, P = floor(N/2), o constant:
//     dmax = G_s / P and, as AIMET does, dmin = -dmax (keeps min = -max).
//   v2 asym (spec §3.4): o = ste_round(min/s) - qlo, s = D/N, so
//     do/dmin = 1/s - (min/s^2) ds/dmin = 1/s + min/(s^2 N),
//     do/dmax = -(min/s^2) ds/dmax = -min/(s^2 N); with G_o = s S_o:
//     dmin = -G_s/N + S_o (1 + min/(s N)),  dmax = G_s/N - S_o min/(s N).
//     Check, clipped below with o = min/s - qlo (no rounding): x_hat = min,
//     dmin = -g(qlo + o)/N + g(1 + min/(sN)) = -g min/(sN) + g + g min/(sN)
//     = g; above: x_hat = max, dmax = g(qhi + o - min/s)/N = g N/N = g.
//   v2 sym: o = 0 is constant: dmin = -G_s/N, dmax = G_s/N.
// The coefficients use the float s the forward used, evaluated in double.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_MATH_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_MATH_H_

#include <stdint.h>

#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels {

enum class RangeGradFormula : uint8_t {
  kAimetV1 = 0,  // §3.3 LearnedGrid
  kV2 = 1,       // §3.4 QuantDequantFunc
};

struct RangeGradConfig {
  RangeGradFormula formula = RangeGradFormula::kV2;
  int bitwidth = 8;
  bool symmetric = false;
  bool strict_symmetric = false;  // v1 symmetric only
  // kHalfToEven or kHalfAwayFromZero, for round(x/s) and the offset.
  RoundingMode rounding = RoundingMode::kHalfToEven;
};

// v1 defaults: half away from zero, as libpymo.
RangeGradConfig AimetV1RangeGradConfig(int bitwidth, bool symmetric,
                                       bool strict_symmetric = false);
// v2 defaults: half to even, as torch.round.
RangeGradConfig V2RangeGradConfig(int bitwidth, bool symmetric);

// One channel's grid and the chain-rule coefficients of
//   dmin = dmin_ds * G_s + dmin_dso * S_o,  dmax = dmax_ds * G_s + dmax_dso *
//   S_o.
struct RangeGradGrid {
  float scale = 1.0f;
  float offset = 0.0f;
  float qlo = 0.0f;
  float qhi = 255.0f;
  double dmin_ds = 0.0;
  double dmin_dso = 0.0;
  double dmax_ds = 0.0;
  double dmax_dso = 0.0;
};

// N of the config (2^b - 1, minus 1 for v1 strict symmetric), in double.
double RangeGradSteps(const RangeGradConfig& c);

// Grid of one channel from its (min, max); callers validate first
// (fake_quant_grad_checked.h): min < max finite, max > 0 for v1 symmetric.
RangeGradGrid MakeRangeGradGrid(float enc_min, float enc_max,
                                const RangeGradConfig& c);

// v1's in-place parameter gating at every forward (spec §3.3): min <= 0,
// max >= 0, max >= min + 1e-5 (float arithmetic, as the torch parameters).
void GateLearnedGridRange(float* enc_min, float* enc_max, int64_t n);

// Per-channel sums of the gradient terms (see the file comment).
struct RangeGradSums {
  double s = 0.0;  // G_s = sum g * d
  double o = 0.0;  // S_o = sum of g where mask == 0
};

// Scalar reference of one element: writes dx and x_hat (each nullable) and
// adds its terms to *sums. Every SIMD variant matches it bit for bit.
inline void RangeGradElement(float x, float g, const RangeGradGrid& p,
                             bool half_even, float* dx, float* x_hat,
                             RangeGradSums* sums) {
  const float u = x / p.scale;
  const float rnd = half_even ? RoundHalfToEven(u) : RoundHalfAway(u);
  const float r = rnd - p.offset;
  const bool in = r >= p.qlo && r <= p.qhi;
  const float qo = ClampKeepNan(r, p.qlo, p.qhi) + p.offset;
  if (x_hat != nullptr) *x_hat = qo * p.scale;
  if (dx != nullptr) *dx = in ? g : 0.0f;
  const float d = in ? rnd - u : qo;
  sums->s += static_cast<double>(g) * static_cast<double>(d);
  sums->o += in ? 0.0 : static_cast<double>(g);
}

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_MATH_H_
