// quantsim kernels (internal): the GEMM register-blocked micro-kernel, one
// explicit instantiation per xsimd arch (micro_kernel_<arch>.cc).
//
// GemmMicroKernel<kMr, kNv>{}(Arch{}, args) computes one full kMr x kNr tile
// of C (kNr = kNv SIMD batches), for the tile shapes GemmTiles<Arch> lists:
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
// Tile shapes per arch: kMr rows (broadcast A) x kNv SIMD batches of B,
// accumulators + B batches + 1 broadcast <= the register file. The first
// shape is the default; the driver picks the shape (and the orientation)
// that wastes least padding for each m x n. Every shape gives the same bits:
// each element is one FMA chain over k in the same order.
struct GemmShape {
  int mr, nv;
};
template <class Arch>
struct GemmTiles;
template <>
struct GemmTiles<xsimd::sse2> {
  static constexpr int kLanes = 4;
  static constexpr int kCount = 1;
  static constexpr GemmShape kShapes[kCount] = {{6, 2}};
};
template <>
struct GemmTiles<xsimd::fma3<xsimd::avx2>> {
  static constexpr int kLanes = 8;
  static constexpr int kCount = 1;
  static constexpr GemmShape kShapes[kCount] = {{6, 2}};
};
template <>
struct GemmTiles<xsimd::avx512bw> {
  static constexpr int kLanes = 16;
  static constexpr int kCount = 4;
  // 12x32: 24 accumulators; 8x48: 24; 14x32: 28; 7x48: 21 (of 32 zmm).
  static constexpr GemmShape kShapes[kCount] = {
      {12, 2}, {8, 3}, {14, 2}, {7, 3}};
};

template <int kMr, int kNv>
struct GemmMicroKernel {
  template <class Arch>
  void operator()(Arch, const GemmMicroArgs& args) const;
};

#define QUANTSIM_GEMM_MICRO(EXTERN, ARCH, MR, NV)                 \
  EXTERN template void GemmMicroKernel<MR, NV>::operator()<ARCH>( \
      ARCH, const GemmMicroArgs&) const;
// Every (arch, shape) of GemmTiles, for the per-arch TUs and extern decls.
#define QUANTSIM_GEMM_MICRO_SSE2(EXTERN) \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::sse2, 6, 2)
#define QUANTSIM_GEMM_MICRO_AVX2(EXTERN) \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::fma3<xsimd::avx2>, 6, 2)
#define QUANTSIM_GEMM_MICRO_AVX512(EXTERN)            \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::avx512bw, 12, 2) \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::avx512bw, 8, 3)  \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::avx512bw, 14, 2) \
  QUANTSIM_GEMM_MICRO(EXTERN, xsimd::avx512bw, 7, 3)

QUANTSIM_GEMM_MICRO_SSE2(extern)
QUANTSIM_GEMM_MICRO_AVX2(extern)
QUANTSIM_GEMM_MICRO_AVX512(extern)

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_GEMM_MICRO_KERNEL_H_
