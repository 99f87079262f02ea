// quantsim kernels (internal): the GEMM register-blocked micro-kernel, one
// explicit instantiation per xsimd arch (micro_kernel_<arch>.cc).
//
// GemmMicroKernel{}(Arch{}, args) computes one full kMr x kNr tile of C:
//   acc = sum_{k < kc} a[k * kMr + i] * b[k * kNr + j]   (fma, k ascending)
//   v = alpha * acc + (load_c ? c_scale * C : 0)
//   if last: v += bias_row[i] / bias_col[j]; v = activation(v)
// and stores v into C (row stride ldc). Packed panels are zero-padded by the
// caller, b is 64-byte aligned. Edge tiles go through a stack tile.
#ifndef QUANTSIM_KERNELS_CPU_GEMM_MICRO_KERNEL_H_
#define QUANTSIM_KERNELS_CPU_GEMM_MICRO_KERNEL_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

// Activation codes (GemmActivation as int).
enum : int { kActNone = 0, kActRelu = 1, kActClip = 2, kActLeaky = 3 };

struct GemmMicroArgs {
  int64_t kc;
  const float* a;  // packed A micro-panel, kc x kMr (k-major)
  const float* b;  // packed B micro-panel, kc x kNr (k-major), aligned
  float* c;
  int64_t ldc;
  float alpha;
  float c_scale;  // beta on the first k block, 1 afterwards
  bool load_c;
  bool last;              // apply bias and activation
  const float* bias_row;  // kMr values or null (only read when last)
  const float* bias_col;  // kNr values or null (only read when last)
  int activation;
  float act_lo, act_hi, leaky;
};

// Engine Isa -> xsimd arch: kSse2 -> sse2, kAvx2 -> fma3<avx2> (xsimd's
// plain avx2 arch has no fused multiply-add), kAvx512 -> avx512bw (FMA via
// _mm512_fmadd_ps: xsimd 8.1's avx512 arch emulates fma with mul + add).
// Tile shape per arch: kMr rows (broadcast A) x kNr columns (two SIMD
// batches). Usable from the baseline TU (no batch type involved).
template <class Arch>
struct GemmTile;
template <>
struct GemmTile<xsimd::sse2> {
  static constexpr int kMr = 6;
  static constexpr int kNr = 8;
};
template <>
struct GemmTile<xsimd::fma3<xsimd::avx2>> {
  static constexpr int kMr = 6;
  static constexpr int kNr = 16;
};
template <>
struct GemmTile<xsimd::avx512bw> {
  static constexpr int kMr = 12;
  static constexpr int kNr = 32;
};

struct GemmMicroKernel {
  template <class Arch>
  void operator()(Arch, const GemmMicroArgs& args) const;
};

extern template void GemmMicroKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const GemmMicroArgs&) const;
extern template void GemmMicroKernel::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, const GemmMicroArgs&) const;
extern template void GemmMicroKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const GemmMicroArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_GEMM_MICRO_KERNEL_H_
