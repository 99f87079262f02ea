// quantsim CUDA kernels: quantize-dequantize (QDQ), STE and range-learning
// backward on the GPU.
//
// Contract:
//  * Numerics: these are the device twins of kernels::FakeQuantize,
//    QdqSteBackward and RangeLearnBackward, and run those kernels' scalar
//    reference per element (FakeQuantValue / QdqMaskValue with the QdqParam
//    that QdqLayout::RunParamIndex assigns to element e, stochastic draw keyed
//    on the linear index e; SteGradValue; RangeGradElement): y, mask and dx
//    equal the CPU's bit for bit for every RoundingMode, NaN payloads
//    excepted: where the result is NaN (kHalfToEven of a NaN x), the device
//    gives the canonical NaN 0x7fffffff (NVIDIA float units do not propagate
//    payloads) and the CPU the quieted input NaN.
//  * Pointers are device pointers (x, y, params, ...); `stream` is a
//    cudaStream_t as void* (nullptr = default stream). Launchers only enqueue
//    work: results are ready after Synchronize(stream) (device.h), which also
//    reports errors raised while kernels ran.
//  * Errors: InvalidArgument for bad arguments (checked on the host before
//    anything is launched: counts, null pointers, layout vs parameter count,
//    grid; device-resident params are not inspected), Unimplemented for
//    per-channel/blockwise tensors of 2^32 or more elements, Unavailable when
//    there is no device, FailedPrecondition when built without CUDA,
//    Internal for any other CUDA error. Never aborts. n == 0 is a no-op.
//  * mask may be nullptr (not written).
#ifndef QUANTSIM_KERNELS_CUDA_FAKE_QUANT_H_
#define QUANTSIM_KERNELS_CUDA_FAKE_QUANT_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"

namespace quantsim::kernels::cuda {

// Per-tensor QDQ of n elements with one QdqParam passed by value (checked on
// the host: scale > 0, integer zero point, clip range).
absl::Status FakeQuantPerTensor(const float* x, int64_t n,
                                const QdqParam& param, const QdqConfig& config,
                                float* y, uint8_t* mask,
                                void* stream = nullptr);

// QDQ over any QdqLayout (per-tensor, per-channel on any axis, blockwise):
// `params` is a device array of layout.NumParams() == num_params entries.
absl::Status FakeQuant(const float* x, const QdqLayout& layout,
                       const QdqParam* params, int64_t num_params,
                       const QdqConfig& config, float* y, uint8_t* mask,
                       void* stream = nullptr);

// Straight-through estimator, kernels::QdqSteBackward on the device:
// dx = SteGradValue(dy, mask) = mask ? dy : +0 (a select: inf/NaN dy on
// clipped elements give +0). dx may alias dy.
absl::Status SteBackward(const float* dy, const uint8_t* mask, int64_t n,
                         float* dx, void* stream = nullptr);

// Range-learning backward, kernels::RangeLearnBackward on the device (formulas
// and derivative cases: kernels/cpu/fake_quant_grad/range_learning_math.h).
//  * layout: per tensor or per channel, block 1, no vary_outer / vary_inner
//    (as the CPU kernel); elements and channels < 2^32.
//  * enc_min / enc_max are HOST arrays of layout.axis floats: the per-channel
//    grids are made on the host by MakeRangeGradGrid (the CPU's code) and
//    copied to stream-ordered scratch (cudaMallocAsync, 48 bytes per channel
//    plus 16 bytes per 16384 elements of each channel).
//  * x, dy, dx, x_hat, dmin, dmax are device arrays; dx and x_hat may be null
//    (not written); dx may alias dy. dmin / dmax: layout.axis floats.
//  * Numerics: dx and x_hat equal the CPU kernel's bit for bit (every
//    element is RangeGradElement; NaN payloads excepted, see above). dmin /
//    dmax are the CPU's expression of the per-channel double sums of the
//    identical per-element terms, added in another (fixed) order: they are
//    reproducible run to run, bit-equal to the CPU's whenever the double sums
//    are exact, and otherwise within 2 (m - 1) 2^-53 sum|term| per sum (m =
//    elements per channel) before the final rounding to float.
//  * Call it qualified (cuda::RangeLearnBackward): unqualified, argument-
//    dependent lookup on QdqLayout also finds kernels::RangeLearnBackward.
//  * Errors: the CPU front end's (ValidateRangeGradConfig,
//    ValidateEncodingRanges), InvalidArgument for another layout or null
//    pointers, plus the CUDA errors of the other launchers.
absl::Status RangeLearnBackward(const float* x, const float* dy,
                                const QdqLayout& layout, const float* enc_min,
                                const float* enc_max,
                                const RangeGradConfig& config, float* dx,
                                float* dmin, float* dmax, float* x_hat,
                                void* stream = nullptr);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_FAKE_QUANT_H_
