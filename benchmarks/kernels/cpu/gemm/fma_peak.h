// quantsim benchmarks (internal): the machine's FMA peak per xsimd arch, a
// tight loop of independent FMAs on registers (one TU per arch).
//
// FmaPeakLoop{}(Arch{}, iters, seed) runs iters x kChains batch FMAs and
// returns a value depending on all of them (so nothing is optimised away);
// flops = iters * kChains * batch_size * 2 (sse2: mul + add, same count).
#ifndef QUANTSIM_BENCHMARKS_KERNELS_CPU_GEMM_FMA_PEAK_H_
#define QUANTSIM_BENCHMARKS_KERNELS_CPU_GEMM_FMA_PEAK_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::bench {

template <class Arch>
struct FmaChains {
  static constexpr int kChains = 12;
  static constexpr int kLanes = 4;
};
template <>
struct FmaChains<xsimd::fma3<xsimd::avx2>> {
  static constexpr int kChains = 12;
  static constexpr int kLanes = 8;
};
template <>
struct FmaChains<xsimd::avx512bw> {
  static constexpr int kChains = 24;
  static constexpr int kLanes = 16;
};

struct FmaPeakLoop {
  template <class Arch>
  float operator()(Arch, int64_t iters, float seed) const;
};

extern template float FmaPeakLoop::operator()<xsimd::sse2>(xsimd::sse2, int64_t,
                                                           float) const;
extern template float FmaPeakLoop::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, int64_t, float) const;
extern template float FmaPeakLoop::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                               int64_t,
                                                               float) const;

}  // namespace quantsim::bench

#endif  // QUANTSIM_BENCHMARKS_KERNELS_CPU_GEMM_FMA_PEAK_H_
