// quantsim kernels (internal): binary inner runs on whole SIMD batches, one
// explicit instantiation per xsimd arch (binary_simd_<arch>.cc).
//
// BinarySimdKernel{}(Arch{}, args) computes y[k] = op(a[k * a_step],
// b[k * b_step]) (steps 0 or 1) for the first floor(n / batch) * batch
// elements and returns that count; Pow is not handled (returns 0).
#ifndef QUANTSIM_KERNELS_CPU_BINARY_BINARY_SIMD_H_
#define QUANTSIM_KERNELS_CPU_BINARY_BINARY_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

struct BinarySimdArgs {
  int op;  // BinaryOp as int
  const float* a;
  int a_step;  // 0 (scalar) or 1
  const float* b;
  int b_step;
  float* y;
  int64_t n;
};

struct BinarySimdKernel {
  template <class Arch>
  int64_t operator()(Arch, const BinarySimdArgs& args) const;
};

extern template int64_t BinarySimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const BinarySimdArgs&) const;
extern template int64_t BinarySimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const BinarySimdArgs&) const;
extern template int64_t BinarySimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const BinarySimdArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_BINARY_BINARY_SIMD_H_
