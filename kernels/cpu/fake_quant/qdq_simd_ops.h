// quantsim kernels (internal): element-wise SIMD helpers shared by the QDQ,
// quantize-to-int and float-simulation kernels. Textual header: include ONLY
// from *_simd_impl.h files compiled in per-arch TUs. ODR rule: everything
// here is a template on Arch and calls nothing that is not (no std:: scalar
// helpers, no reference.h functions) - see BAZEL.md.
//
// Each helper mirrors one reference.h function with the same IEEE ops:
//   Trunc / Floor keep the sign of zero like truncf / floorf;
//   RoundHalfToEven: (|v| + 2^23) - 2^23 with v's sign, v itself if
//   |v| >= 2^23 or NaN; RoundHalfAway: t + copysign(1, v) if |v - t| >= 0.5.
// Trap: xsimd 8.1's `a != b` on float batches is ordered (_CMP_NEQ_OQ, false
// for NaN) on AVX/AVX-512 but unordered on SSE2: test NaN with xsimd::isnan.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_OPS_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_OPS_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

template <class Arch>
struct SimdOps {
  using B = xsimd::batch<float, Arch>;
  using M = xsimd::batch_bool<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  using U = xsimd::batch<uint32_t, Arch>;
  static constexpr int64_t kSize = static_cast<int64_t>(B::size);

  static B SignOf(B v) { return v & B(-0.0f); }
  static B Trunc(B v) {
    const B a = xsimd::abs(v);
    const B t = xsimd::to_float(xsimd::to_int(a)) | SignOf(v);
    return xsimd::select(a < B(8388608.0f), t, v);
  }
  static B Floor(B v) {
    const B t = Trunc(v);
    return xsimd::select(t > v, t - B(1.0f), t);
  }
  static B RoundHalfToEven(B v) {
    const B a = xsimd::abs(v);
    const B r = ((a + B(8388608.0f)) - B(8388608.0f)) | SignOf(v);
    return xsimd::select(a < B(8388608.0f), r, v);
  }
  static B RoundHalfAway(B v) {
    const B t = Trunc(v);
    return xsimd::select(xsimd::abs(v - t) >= B(0.5f),
                         t + (B(1.0f) | SignOf(v)), t);
  }
  static B ClampKeepNan(B v, B lo, B hi) {
    return xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v));
  }
  static B ClampNanToHi(B v, B lo, B hi) {
    return xsimd::select(v >= lo, xsimd::select(v <= hi, v, hi),
                         xsimd::select(v < lo, lo, hi));
  }
  static U Mix32(U x) {
    x ^= x >> 16;
    x *= U(0x7feb352dU);
    x ^= x >> 15;
    x *= U(0x846ca68bU);
    x ^= x >> 16;
    return x;
  }
  // StochasticUniformFromSalt for index_lo + 0 .. kSize - 1.
  static B Uniform(uint32_t salt, uint32_t index_lo) {
    alignas(64) uint32_t idx[kSize];
    for (int64_t k = 0; k < kSize; ++k) idx[k] = index_lo + uint32_t(k);
    const U h = Mix32(U::load_aligned(idx) ^ U(salt)) >> 8;
    return xsimd::to_float(xsimd::bitwise_cast<I>(h)) * B(5.9604645e-08f);
  }
  static I AsInt(B v) { return xsimd::bitwise_cast<I>(v); }
  static B AsFloat(I v) { return xsimd::bitwise_cast<B>(v); }
};

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_SIMD_OPS_H_
