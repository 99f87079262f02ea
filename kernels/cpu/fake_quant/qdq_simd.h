// quantsim kernels (internal): the QDQ body on whole SIMD batches, one
// explicit instantiation per xsimd arch (qdq_simd_<arch>.cc).
//
// QdqSimdKernel{}(Arch{}, args) processes the first
// floor(args.n / batch_size) * batch_size elements and returns that count;
// the caller (fake_quant.cc, baseline ISA) does the tail with reference.h.
// Bit-identical to reference.h: the same IEEE operations in the same order.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

struct QdqSimdArgs {
  const float* x;
  float* y;
  uint8_t* mask;  // may be null
  int64_t n;
  // Broadcast parameters, used when `soa_scale` is null.
  float scale, zero_point, clip_lo, clip_hi;
  // Per-element parameters (struct of arrays, n entries each), or null.
  const float* soa_scale;
  const float* soa_zero_point;
  const float* soa_clip_lo;
  const float* soa_clip_hi;
  float qmin, qmax;
  int rounding;       // RoundingMode as int
  uint32_t salt;      // StochasticSalt(seed, index of x[0])
  uint32_t index_lo;  // low 32 bits of the index of x[0]; no wrap within n
};

struct QdqSimdKernel {
  template <class Arch>
  int64_t operator()(Arch, const QdqSimdArgs& args) const;
};

extern template int64_t QdqSimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const QdqSimdArgs&) const;
extern template int64_t QdqSimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const QdqSimdArgs&) const;
extern template int64_t QdqSimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const QdqSimdArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_H_
