// quantsim kernels: quantize-dequantize (QDQ) forward on the CPU.
//
// Contract:
//  - Numerics are exactly those of reference.h (FakeQuantValue, QdqMaskValue,
//    QuantizeValue, DequantizeValue), bit for bit, for every engine::Isa and
//    every thread count. Stochastic rounding draws element i's uniform from
//    (config.seed, i) with i the element's linear (row-major) index.
//  - The tensor has layout.NumElements() floats; element (o, a, i) uses
//    params[layout.RunParamIndex(o, a) + (vary_inner ? i : 0)] (layout.h).
//  - x == y (in place) is allowed; otherwise x and y must not overlap.
//    `mask`, when non-null, receives QdqMaskValue (uint8 0/1) per element.
//  - Work is split by engine::ParallelFor into fixed chunks of kQdqGrain
//    elements; `pool` may be null (runs on the calling thread).
//  - Kernels only debug-check; call CheckQdqArgs first on untrusted input.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_FAKE_QUANT_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_FAKE_QUANT_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels {

// Elements per ParallelFor chunk (results never depend on it).
inline constexpr int64_t kQdqGrain = int64_t{1} << 16;

// y = FakeQuantValue(x) per element, mask = QdqMaskValue (if non-null).
void FakeQuantize(const float* x, float* y, uint8_t* mask,
                  const QdqLayout& layout, const QdqParam* params,
                  const QdqConfig& config, engine::ThreadPool* pool = nullptr,
                  engine::Isa isa = engine::DefaultIsa());

// q = QuantizeValue(x) saturated to T's range (the integer grid is normally
// inside it). A NaN quantized value (only kHalfToEven lets NaN through; the
// other modes map NaN to clip_hi) is stored as the channel's zero_point
// (saturated to T). T: int8_t, uint8_t, int16_t, uint16_t, int32_t. SIMD per
// `isa` like FakeQuantize, bit-identical to the reference.
template <typename T>
void QuantizeToInt(const float* x, T* q, const QdqLayout& layout,
                   const QdqParam* params, const QdqConfig& config,
                   engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

// y = DequantizeValue(float(q)) = (float(q) - zero_point) * scale.
template <typename T>
void DequantizeFromInt(const T* q, float* y, const QdqLayout& layout,
                       const QdqParam* params,
                       engine::ThreadPool* pool = nullptr,
                       engine::Isa isa = engine::DefaultIsa());

// Validates the arguments of the functions above. InvalidArgument naming the
// bad field (and the parameter index) when: a layout size is < 1 or the
// element count overflows; num_params != layout.NumParams(); params is null;
// qmin/qmax are not finite integers or qmin >= qmax; the rounding mode is
// unknown; a scale is not finite or <= 0; a zero_point is not a finite
// integer; for kHalfAwayFromZero/kStochastic a clip bound is not finite or
// clip_lo > clip_hi.
absl::Status CheckQdqArgs(const QdqLayout& layout, const QdqParam* params,
                          int64_t num_params, const QdqConfig& config);

#define QS_QDQ_INT_EXTERN(T)                                                   \
  extern template void QuantizeToInt<T>(const float*, T*, const QdqLayout&,    \
                                        const QdqParam*, const QdqConfig&,     \
                                        engine::ThreadPool*, engine::Isa);     \
  extern template void DequantizeFromInt<T>(const T*, float*,                  \
                                            const QdqLayout&, const QdqParam*, \
                                            engine::ThreadPool*, engine::Isa);
QS_QDQ_INT_EXTERN(int8_t)
QS_QDQ_INT_EXTERN(uint8_t)
QS_QDQ_INT_EXTERN(int16_t)
QS_QDQ_INT_EXTERN(uint16_t)
QS_QDQ_INT_EXTERN(int32_t)
#undef QS_QDQ_INT_EXTERN

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_FAKE_QUANT_H_
