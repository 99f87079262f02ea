// Test helpers for Gemm: random operands with padded leading dimensions and
// the per-element error bound of gemm.h.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_GEMM_GEMM_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_GEMM_GEMM_TEST_UTIL_H_

#include <math.h>
#include <string.h>

#include <random>
#include <vector>

#include "kernels/cpu/gemm/gemm.h"

namespace quantsim::kernels::testing {

struct GemmCase {
  GemmParams p;
  std::vector<float> a, b, c0;  // c0: C before the call
};

inline std::vector<float> RandomVec(size_t n, std::mt19937* rng,
                                    float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(*rng);
  return v;
}

// pad: extra elements per row of A, B and C beyond the stored row length.
inline GemmCase MakeCase(int64_t m, int64_t n, int64_t k, bool ta, bool tb,
                         int64_t pad, float alpha, float beta, uint32_t seed) {
  std::mt19937 rng(seed);
  GemmCase g;
  g.p = MakeGemmParams(m, n, k, ta, tb);
  g.p.lda += pad;
  g.p.ldb += pad;
  g.p.ldc += pad;
  g.p.alpha = alpha;
  g.p.beta = beta;
  const int64_t a_rows = ta ? k : m, b_rows = tb ? n : k;
  g.a = RandomVec(std::max<int64_t>(1, a_rows * g.p.lda), &rng);
  g.b = RandomVec(std::max<int64_t>(1, b_rows * g.p.ldb), &rng);
  g.c0 = RandomVec(std::max<int64_t>(1, m * g.p.ldc), &rng);
  return g;
}

// (k + ceil(k / 128) + 8) * 2^-23 * (|alpha| sum |a||b| + |beta||c0| + |bias|)
// per element.
inline double ErrorBound(const GemmCase& g, int64_t i, int64_t j,
                         float bias = 0.0f) {
  const GemmParams& p = g.p;
  double s = 0.0;
  for (int64_t l = 0; l < p.k; ++l) {
    const float av = p.trans_a ? g.a[l * p.lda + i] : g.a[i * p.lda + l];
    const float bv = p.trans_b ? g.b[j * p.ldb + l] : g.b[l * p.ldb + j];
    s += fabs(static_cast<double>(av) * bv);
  }
  double mag = fabs(p.alpha) * s + fabs(bias);
  if (p.beta != 0.0f) mag += fabs(p.beta) * fabs(g.c0[i * p.ldc + j]);
  return (p.k + (p.k + 127) / 128 + 8) * ldexp(1.0, -23) * mag;
}

inline uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_GEMM_GEMM_TEST_UTIL_H_
