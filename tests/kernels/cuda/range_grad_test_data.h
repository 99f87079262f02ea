// Test data for the range-learning backward tests of tests/kernels/cuda:
// configs, layouts, data whose per-channel double sums are exact, random
// data, and the tolerance for dmin / dmax computed from the same terms summed
// in another order.
#ifndef QUANTSIM_TESTS_KERNELS_CUDA_RANGE_GRAD_TEST_DATA_H_
#define QUANTSIM_TESTS_KERNELS_CUDA_RANGE_GRAD_TEST_DATA_H_

#include <math.h>
#include <stdint.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda::testing {

struct RangeGradConfigCase {
  std::string name;
  RangeGradConfig config;
};

inline std::vector<RangeGradConfigCase> RangeGradConfigs() {
  return {
      {"v1_asym", AimetV1RangeGradConfig(8, false)},
      {"v1_sym", AimetV1RangeGradConfig(8, true)},
      {"v1_strict_sym", AimetV1RangeGradConfig(8, true, true)},
      {"v2_asym", V2RangeGradConfig(8, false)},
      {"v2_sym", V2RangeGradConfig(8, true)},
  };
}

// Per tensor and per channel (the CPU kernel's layouts), with several
// device tasks per channel (16384 elements each), rows of one element
// (per channel on the last axis), tiny and empty channels.
inline std::vector<std::pair<std::string, QdqLayout>> RangeGradLayouts() {
  return {
      {"per_tensor", PerTensorLayout(100003)},
      {"per_tensor_many_tasks", PerTensorLayout(3 * 16384 + 5)},
      {"channel_axis0", QdqLayout{1, 32, 4608, 1, false, false}},
      {"channel_axis1", QdqLayout{8, 16, 49, 1, false, false}},
      {"channel_last", QdqLayout{2000, 96, 1, 1, false, false}},
      {"tiny_channels", QdqLayout{1, 700, 3, 1, false, false}},
      {"empty_channels", QdqLayout{0, 5, 7, 1, false, false}},
  };
}

// Encodings with scale exactly 2^-4 for every config: asymmetric
// [-128, 127] * 2^-4 (N = 255), shifted by whole steps per channel; v1
// symmetric max = floor(N/2) * 2^-4 (strict: N = 254, floor(N/2) = 127 too).
inline void ExactRangeGradEncodings(const QdqLayout& l,
                                    const RangeGradConfig& rc,
                                    std::vector<float>* mn,
                                    std::vector<float>* mx) {
  mn->assign(l.axis, -8.0f);
  mx->assign(l.axis, 127.0f / 16.0f);
  for (int64_t a = 0; a < l.axis; ++a) {
    const float shift = static_cast<float>(a % 5) / 16.0f;
    if (!(rc.formula == RangeGradFormula::kAimetV1 && rc.symmetric)) {
      (*mn)[a] += shift;
      (*mx)[a] += shift;
    }
  }
}

// x on a 2^-12 grid within +-16 (so x / s is a multiple of 2^-8, clipped on
// both sides, with exact ties), g on a 2^-8 grid within +-4: every term g*d
// is a multiple of 2^-16 below 2^11 in magnitude (|d| <= 1/2 inside, |q + o|
// < 2^9 clipped), so with < 2^26 terms per channel every partial sum is a
// multiple of 2^-16 below 2^37, exact in double: the summation order cannot
// matter (range_grad_order_test checks this premise on the host).
inline void ExactRangeGradData(int64_t n, uint32_t seed, std::vector<float>* x,
                               std::vector<float>* g) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> xi(-16 * 4096, 16 * 4096);
  std::uniform_int_distribution<int> gi(-4 * 256, 4 * 256);
  x->resize(n);
  g->resize(n);
  for (int64_t e = 0; e < n; ++e) {
    const int k = xi(rng);
    (*x)[e] = static_cast<float>(e % 7 == 0 ? (k / 128) * 128 : k) / 4096.0f;
    (*g)[e] = static_cast<float>(gi(rng)) / 256.0f;
  }
}

// Finite random x, g (with ties and outliers) and per-channel encodings.
inline void RandomRangeGradData(const QdqLayout& l, std::vector<float>* x,
                                std::vector<float>* g, std::vector<float>* mn,
                                std::vector<float>* mx) {
  const int64_t n = l.NumElements();
  *x = MakeData(n, 31, 2.0f);
  for (float& v : *x) {
    if (!isfinite(v)) v = 7.5f;  // NaN would make every sum NaN
  }
  *g = MakeData(n, 40, 1.0f);
  for (float& v : *g) {
    if (!isfinite(v)) v = -0.25f;
  }
  mn->resize(l.axis);
  mx->resize(l.axis);
  for (int64_t a = 0; a < l.axis; ++a) {
    (*mn)[a] = -1.0f - 0.37f * static_cast<float>(a % 11);
    (*mx)[a] = 1.3f + 0.11f * static_cast<float>(a % 7);
  }
}

// How far dmin[a] / dmax[a] may be from the CPU kernel's (want_*) when the
// same per-element terms are summed in another order: each order is within
// (m - 1) 2^-53 sum|term| of the exact sum (m = elements per channel), the
// double chain rule adds a few roundings (4 2^-53 of the magnitudes), and the
// final rounding to float one ulp.
inline void RangeGradTolerance(const std::vector<float>& x,
                               const std::vector<float>& g, const QdqLayout& l,
                               const std::vector<float>& mn,
                               const std::vector<float>& mx,
                               const RangeGradConfig& rc, int64_t a,
                               float want_min, float want_max, double* tol_min,
                               double* tol_max) {
  const RangeGradGrid grid = MakeRangeGradGrid(mn[a], mx[a], rc);
  double abs_s = 0.0, abs_o = 0.0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t i = 0; i < l.inner; ++i) {
      const int64_t e = (o * l.axis + a) * l.inner + i;
      RangeGradSums term;
      RangeGradElement(x[e], g[e], grid,
                       rc.rounding == RoundingMode::kHalfToEven, nullptr,
                       nullptr, &term);
      abs_s += fabs(term.s);
      abs_o += fabs(term.o);
    }
  }
  const int64_t m = l.outer * l.inner;
  const double k =
      (2.0 * static_cast<double>(m > 0 ? m - 1 : 0) + 4.0) * ldexp(1.0, -53);
  auto float_tol = [](double value, double delta) {
    const float v = static_cast<float>(fabs(value) + delta);
    return delta + (nextafterf(v, INFINITY) - v);
  };
  *tol_min = float_tol(
      want_min, k * (fabs(grid.dmin_ds) * abs_s + fabs(grid.dmin_dso) * abs_o));
  *tol_max = float_tol(
      want_max, k * (fabs(grid.dmax_ds) * abs_s + fabs(grid.dmax_dso) * abs_o));
}

}  // namespace quantsim::kernels::cuda::testing

#endif  // QUANTSIM_TESTS_KERNELS_CUDA_RANGE_GRAD_TEST_DATA_H_
