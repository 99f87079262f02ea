// quantsim kernels (internal): the QDQ bodies on whole SIMD batches, one
// explicit instantiation per xsimd arch (qdq_simd_<arch>.cc).
//
// QdqSimdKernel{}(Arch{}, args) processes the first
// floor(args.n / batch_size) * batch_size elements and returns that count;
// the caller (baseline ISA, qdq_walk.h) does the tail with reference.h.
// Bit-identical to reference.h: the same IEEE operations in the same order.
// Operations (args.op):
//   kOpQdq:        y = FakeQuantValue(x), mask = QdqMaskValue (if non-null).
//   kOpQuantize:   q_out (IntType) = saturate(QuantizeValue(x)), NaN -> zp.
//   kOpDequantize: y = DequantizeValue(float(q_in)).
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

enum QdqOp : int { kOpQdq = 0, kOpQuantize = 1, kOpDequantize = 2 };
enum IntType : int {
  kInt8 = 0,
  kUint8 = 1,
  kInt16 = 2,
  kUint16 = 3,
  kInt32 = 4,
};

template <typename T>
struct IntTypeOf;
template <>
struct IntTypeOf<int8_t> {
  static constexpr IntType kValue = kInt8;
};
template <>
struct IntTypeOf<uint8_t> {
  static constexpr IntType kValue = kUint8;
};
template <>
struct IntTypeOf<int16_t> {
  static constexpr IntType kValue = kInt16;
};
template <>
struct IntTypeOf<uint16_t> {
  static constexpr IntType kValue = kUint16;
};
template <>
struct IntTypeOf<int32_t> {
  static constexpr IntType kValue = kInt32;
};

struct QdqSimdArgs {
  int op = kOpQdq;
  int int_type = kInt8;  // kOpQuantize / kOpDequantize
  const float* x = nullptr;
  float* y = nullptr;
  uint8_t* mask = nullptr;     // may be null
  void* q_out = nullptr;       // IntType array (kOpQuantize)
  const void* q_in = nullptr;  // IntType array (kOpDequantize)
  int64_t n = 0;
  // Broadcast parameters, used when `soa_scale` is null.
  float scale = 1, zero_point = 0, clip_lo = 0, clip_hi = 0;
  // Per-element parameters (struct of arrays, n entries each), or null.
  const float* soa_scale = nullptr;
  const float* soa_zero_point = nullptr;
  const float* soa_clip_lo = nullptr;
  const float* soa_clip_hi = nullptr;
  float qmin = 0, qmax = 0;
  int rounding = 0;       // RoundingMode as int
  uint32_t salt = 0;      // StochasticSalt(seed, index of element 0)
  uint32_t index_lo = 0;  // low 32 bits of the index of element 0; no wrap
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
