// quantsim CUDA kernels: calibration statistics on the GPU.
//
// Contract (pointers are device pointers, `stream` a cudaStream_t as void*;
// launchers only enqueue, see device.h; errors as in fake_quant.h). Each
// function is the device twin of a CPU kernel in kernels/cpu/stats and uses
// that kernel's scalar reference (stats_reference.h) per element, so the
// results are equal, bit for bit:
//  * MinMax: min and max of the elements of each parameter of a QdqLayout
//    (per tensor: PerTensorLayout(n) = kernels::MinMax; per channel: that
//    axis's layout = kernels::MinMaxPerChannel; blockwise layouts too), by
//    MinFold / MaxFold: NaN ignored, +-inf included, -0 orders below +0; a
//    parameter with no non-NaN element gets min = +inf, max = -inf.
//  * HistogramRounded: kernels::HistogramRounded (libpymo GetHistogram_cpu,
//    RoundedBucketIndex; buckets usually from kernels::MakePymoBuckets).
//  * HistogramLinear: kernels::HistogramLinear (torch.histc + AIMET v2's
//    clipping, LinearBinIndex).
//  Histograms ADD to counts[0, num) (device uint64; zero them for a fresh
//  histogram) and to *num_dropped / *num_nan (device uint64, nullable), as
//  the CPU kernels do; arguments are validated by the CPU's
//  ValidateRoundedBuckets / ValidateLinearBins, and at most
//  kMaxDeviceHistogramBins bins are supported (shared-memory histograms).
#ifndef QUANTSIM_KERNELS_CUDA_STATS_H_
#define QUANTSIM_KERNELS_CUDA_STATS_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/stats/histogram.h"

namespace quantsim::kernels::cuda {

// mins / maxs: device arrays of layout.NumParams() floats (overwritten).
absl::Status MinMax(const float* x, const QdqLayout& layout, float* mins,
                    float* maxs, void* stream = nullptr);

inline constexpr int32_t kMaxDeviceHistogramBins = 8192;

absl::Status HistogramRounded(const float* x, int64_t n,
                              const RoundedBuckets& buckets, uint64_t* counts,
                              uint64_t* num_dropped, void* stream = nullptr);

absl::Status HistogramLinear(const float* x, int64_t n, const LinearBins& bins,
                             uint64_t* counts, uint64_t* num_nan,
                             void* stream = nullptr);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_STATS_H_
