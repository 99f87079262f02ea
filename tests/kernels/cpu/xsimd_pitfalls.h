// quantsim tests: probes of xsimd 8.1 behaviours that kernels must work
// around (kernels/cpu/README.md, "xsimd pitfalls"), one TU per arch
// (xsimd_pitfalls_<arch>.cc), run by xsimd_pitfalls_test.cc.
//
// PitfallProbe{}(Arch{}, &io) reads io's inputs, computes each probe on full
// batches (all lanes alike) and writes lane 0 of each result back.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_XSIMD_PITFALLS_H_
#define QUANTSIM_TESTS_KERNELS_CPU_XSIMD_PITFALLS_H_

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::testing {

struct PitfallIo {
  // Inputs (set by the caller: the per-arch TUs use no scalar helpers).
  float nan = 0.0f;
  float one = 1.0f;
  float zero = 0.0f;
  float fma_a = 0.0f;  // fma(a, a, c) != a * a + c when fused
  float fma_c = 0.0f;
  // Outputs: 1.0f for a true comparison lane, 0.0f for false.
  float ne_nan_nan = -1.0f;    // (nan != nan)
  float ne_nan_one = -1.0f;    // (nan != one)
  float isnan_nan = -1.0f;     // xsimd::isnan(nan)
  float neg_zero = -1.0f;      // -(+0.0f) with operator-
  float xor_neg_zero = -1.0f;  // +0.0f with its sign bit flipped by XOR
  float xsimd_fma = -1.0f;     // xsimd::fma(a, a, c)
  float raw_fma = -1.0f;       // _mm256/_mm512_fmadd_ps(a, a, c); unset on sse2
};

struct PitfallProbe {
  template <class Arch>
  void operator()(Arch, PitfallIo* io) const;
};

extern template void PitfallProbe::operator()<xsimd::sse2>(xsimd::sse2,
                                                           PitfallIo*) const;
extern template void PitfallProbe::operator()<xsimd::avx2>(xsimd::avx2,
                                                           PitfallIo*) const;
extern template void PitfallProbe::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, PitfallIo*) const;
extern template void PitfallProbe::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, PitfallIo*) const;

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_XSIMD_PITFALLS_H_
