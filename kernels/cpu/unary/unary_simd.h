// quantsim kernels (internal): unary ops on whole SIMD batches, one explicit
// instantiation per xsimd arch (unary_simd_<arch>.cc).
//
// UnarySimdKernel{}(Arch{}, args) processes the first
// floor(n / batch_size) * batch_size elements and returns that count (0 for
// an op without a SIMD body); the caller (unary.cc) pads the tail.
#ifndef QUANTSIM_KERNELS_CPU_UNARY_UNARY_SIMD_H_
#define QUANTSIM_KERNELS_CPU_UNARY_UNARY_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

struct UnarySimdArgs {
  int op;  // UnaryOp as int
  float alpha, beta;
  bool backward;
  const float* x;   // forward input / backward x (may be null if unused)
  const float* y;   // backward y (may be null if unused)
  const float* dy;  // backward only
  float* out;       // y (forward) or dx (backward)
  int64_t n;
};

struct UnarySimdKernel {
  template <class Arch>
  int64_t operator()(Arch, const UnarySimdArgs& args) const;
};

extern template int64_t UnarySimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const UnarySimdArgs&) const;
extern template int64_t UnarySimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const UnarySimdArgs&) const;
extern template int64_t UnarySimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const UnarySimdArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_UNARY_UNARY_SIMD_H_
