// quantsim kernels (internal): reduce inner loops on whole SIMD batches, one
// explicit instantiation per xsimd arch (reduce_simd_<arch>.cc).
//  - Lanes: lanes[j] = op(lanes[j], x[16 k + j]) for k < n16 (16 virtual
//    lanes, so every arch keeps the scalar order).
//  - Vertical: y[i] = op(y[i], x[i]) for the first floor(n / batch) * batch
//    elements; returns that count.
// op: 0 sum, 1 max, 2 min (Max/Min as binary_reference.h).
#ifndef QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_SIMD_H_
#define QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

struct ReduceSimdKernel {
  template <class Arch>
  void Lanes(Arch, int op, const float* x, int64_t n16, float* lanes) const;
  template <class Arch>
  int64_t Vertical(Arch, int op, float* y, const float* x, int64_t n) const;
};

#define QS_REDUCE_SIMD_EXTERN(A)                                          \
  extern template void ReduceSimdKernel::Lanes<A>(A, int, const float*,   \
                                                  int64_t, float*) const; \
  extern template int64_t ReduceSimdKernel::Vertical<A>(                  \
      A, int, float*, const float*, int64_t) const;
QS_REDUCE_SIMD_EXTERN(xsimd::sse2)
QS_REDUCE_SIMD_EXTERN(xsimd::avx2)
QS_REDUCE_SIMD_EXTERN(xsimd::avx512bw)
#undef QS_REDUCE_SIMD_EXTERN

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_SIMD_H_
