// quantsim CUDA kernels: quantize-dequantize (QDQ), STE and range-learning
// backward on the GPU.
//
// Contract:
//  * Numerics: y and mask equal, bit for bit, the CPU scalar reference
//    (kernels/cpu/fake_quant/reference.h: FakeQuantValue / QdqMaskValue of
//    element e with the QdqParam the QdqLayout assigns to e, stochastic draw
//    keyed on the linear index e), for every RoundingMode.
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

// Straight-through estimator: dx = dy * mask (a float product, so NaN in dy
// stays NaN where mask is 0, and dy * 0 keeps dy's sign).
absl::Status SteBackward(const float* dy, const uint8_t* mask, int64_t n,
                         float* dx, void* stream = nullptr);

enum class RangeGradFormula : uint8_t {
  kAimetV1 = 0,  // spec §3.3 (v1 LearnedGrid)
  kAimetV2 = 1,  // spec §3.4 (v2 QuantDequantFunc)
};

struct RangeGradConfig {
  QdqConfig qdq;  // grid and rounding of the forward pass; N = qmax - qmin
  bool symmetric = false;
  RangeGradFormula formula = RangeGradFormula::kAimetV2;
};

// Range-learning backward of y = FakeQuant(x) w.r.t. x and each parameter's
// encoding (min, max), g = dy, per element (terms summed in double per
// parameter; params as in FakeQuant):
//   dx  = g * mask                         (exact, as SteBackward)
//   G_s = sum g * ((q - z) - mask * x / s),   G_o = sum g * s * (1 - mask)
// then, in double, with N = qmax - qmin:
//   v1 asymmetric: dmin = -G_s/N + max N/(max-min)^2 G_o
//                  dmax =  G_s/N - min N/(max-min)^2 G_o
//   v1 symmetric:  dmax = G_s / floor(N/2),   dmin = -dmax
//   v2 asymmetric: dmin = -G_s/N + G_o (1/s + min/(s^2 N))
//                  dmax =  G_s/N - G_o min/(s^2 N)
//   v2 symmetric:  dmin = -G_s/N,   dmax = G_s/N
// enc_min / enc_max (device, num_params) are read only by the asymmetric
// formulas and may be null for symmetric ones. dmin / dmax are device arrays
// of num_params floats (overwritten). The sums use double atomics across
// thread blocks, so their last double bits may vary run to run; the float
// results practically never do. Allocates 16 * num_params bytes of stream-
// ordered scratch (cudaMallocAsync).
absl::Status RangeLearningBackward(const float* x, const float* dy,
                                   const QdqLayout& layout,
                                   const QdqParam* params, const float* enc_min,
                                   const float* enc_max, int64_t num_params,
                                   const RangeGradConfig& config, float* dx,
                                   float* dmin, float* dmax,
                                   void* stream = nullptr);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_FAKE_QUANT_H_
