// quantsim kernels: float simulation (fp16, bf16, generic minifloat) over an
// array, threaded through engine::ParallelFor (fixed chunks; results never
// depend on the thread count). Element-wise exactly float_reference.h.
// x == y (in place) is allowed. SIMD per `isa` (sse2 / avx2 / avx512, no
// F16C needed), bit-identical to the reference for every input bit pattern;
// Isa::kScalar runs the reference itself. MinifloatQuantizeDequantize takes
// params as MakeMinifloatParams builds them (bias is read from params).
#ifndef QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_QUANT_H_
#define QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_QUANT_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/float_quant/float_reference.h"

namespace quantsim::kernels {

void Fp16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

void Bf16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

void MinifloatQuantizeDequantize(const float* x, float* y, int64_t n,
                                 const MinifloatParams& params,
                                 engine::ThreadPool* pool = nullptr,
                                 engine::Isa isa = engine::DefaultIsa());

// InvalidArgument unless 1 <= exponent_bits <= 8, 0 <= mantissa_bits <= 23
// and maxval is finite and > 0.
absl::Status CheckMinifloatArgs(int exponent_bits, int mantissa_bits,
                                float maxval);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FLOAT_QUANT_FLOAT_QUANT_H_
