// quantsim kernels (internal): fp16 / bf16 round trips and the minifloat on
// whole SIMD batches, one explicit instantiation per xsimd arch
// (float_simd_<arch>.cc).
//
// FloatSimdKernel{}(Arch{}, args) processes the first
// floor(args.n / batch_size) * batch_size elements and returns that count;
// float_quant.cc (baseline ISA) does the tail with float_reference.h.
// Bit-identical to float_reference.h: the same integer and IEEE float ops.
#ifndef QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_SIMD_H_
#define QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

enum FloatOp : int { kOpFp16 = 0, kOpBf16 = 1, kOpMinifloat = 2 };

struct FloatSimdArgs {
  int op = kOpFp16;
  const float* x = nullptr;
  float* y = nullptr;
  int64_t n = 0;
  // kOpMinifloat: MinifloatParams / MinifloatExponentConsts, and the steps
  // step_table[e] = MinifloatStep(e) for e in [1, e_max] (e_max bounds the
  // exponent of every |xc| <= maxval).
  float maxval = 0;
  int32_t bias_floor = 0;
  float mant_threshold = 2.0f;
  int32_t e_max = 1;
  const float* step_table = nullptr;
};

struct FloatSimdKernel {
  template <class Arch>
  int64_t operator()(Arch, const FloatSimdArgs& args) const;
};

extern template int64_t FloatSimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const FloatSimdArgs&) const;
extern template int64_t FloatSimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const FloatSimdArgs&) const;
extern template int64_t FloatSimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const FloatSimdArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_SIMD_H_
