// FMA peak loop body; include ONLY from fma_peak_<arch>.cc.
#include <immintrin.h>

#include <type_traits>

#include "benchmarks/kernels/cpu/gemm/fma_peak.h"

namespace quantsim::bench {

template <class Arch>
float FmaPeakLoop::operator()(Arch, int64_t iters, float seed) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int kChains = FmaChains<Arch>::kChains;
  static_assert(FmaChains<Arch>::kLanes == B::size, "lanes");
  B acc[kChains];
#pragma GCC unroll 32
  for (int c = 0; c < kChains; ++c) acc[c] = B(seed + float(c));
  const B mul(0.999999f + seed * 1e-9f), add(1e-7f * seed);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
    for (int c = 0; c < kChains; ++c) {
      if constexpr (std::is_same<Arch, xsimd::avx512bw>::value) {
        acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
      } else {
        acc[c] = xsimd::fma(acc[c], mul, add);
      }
    }
  }
  B sum = acc[0];
#pragma GCC unroll 32
  for (int c = 1; c < kChains; ++c) sum = sum + acc[c];
  return xsimd::hadd(sum);
}

}  // namespace quantsim::bench
