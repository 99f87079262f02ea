// quantsim CUDA kernels: calibration statistics on the GPU.
//
// Contract (pointers are device pointers, `stream` a cudaStream_t as void*;
// launchers only enqueue, see device.h; errors as in fake_quant.h):
//  * MinMax: exact min and max of the elements of each parameter of a
//    QdqLayout (per tensor: PerTensorLayout(n); per channel: the layout of
//    that axis). NaN is ignored; -0 orders below +0 (so a channel holding
//    both has min -0, max +0); a parameter with no non-NaN element gets
//    min = +inf, max = -inf.
//  * Histogram512: libpymo's fixed-range 512-bin histogram (spec §2.2),
//    computed in float arithmetic exactly like this scalar loop:
//        float t = (x - x_left0) / bucket;           // IEEE float divide
//        float r = RoundHalfAway(t);                 // reference.h (= roundf)
//        if (r >= 0.0f && r <= 511.0f) ++counts[(int)r]; else ++dropped;
//    so NaN and values outside [x_left0 - bucket/2, x_left0 + 511.5 bucket)
//    are dropped (counted in *num_dropped when it is not null); counts are
//    overwritten, not accumulated. The total for probabilities is n.
#ifndef QUANTSIM_KERNELS_CUDA_STATS_H_
#define QUANTSIM_KERNELS_CUDA_STATS_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "kernels/cpu/fake_quant/layout.h"

namespace quantsim::kernels::cuda {

// mins / maxs: device arrays of layout.NumParams() floats (overwritten).
absl::Status MinMax(const float* x, const QdqLayout& layout, float* mins,
                    float* maxs, void* stream = nullptr);

inline constexpr int kHistogramBins = 512;

struct HistogramRange {
  float x_left0 = 0.0f;  // left edge xLeft[0] of bin 0 (bin 0 is centred on it)
  float bucket = 1.0f;   // bin width, finite and > 0
};

// counts: device array of kHistogramBins uint64; num_dropped: device uint64
// or nullptr.
absl::Status Histogram512(const float* x, int64_t n,
                          const HistogramRange& range, uint64_t* counts,
                          uint64_t* num_dropped, void* stream = nullptr);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_STATS_H_
