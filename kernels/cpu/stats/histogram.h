// quantsim kernels: fixed-range histogram updates for calibration.
//
// Two bucket rules (exact formulas in stats_reference.h):
//  - Rounded (AIMET v1 / libpymo GetHistogram_cpu, float32 math):
//      bucket = roundf(x / width - offset), roundf = half away from zero;
//      values whose bucket is outside [0, num_buckets) and NaN are dropped
//      (reported in *num_dropped; the caller still counts them in its total).
//      libpymo derives width = float(xLeft[1] - xLeft[0]) and offset =
//      float(xLeft[0]) / width from its double bucket edges; MakePymoBuckets
//      does the same. Note that xLeft is therefore the bucket *centre*.
//  - Linear (torch.histc CPU over [lo, hi], float32 math, plus AIMET v2's
//      clipping): NaN dropped (*num_nan), x < lo -> bin 0, x > hi -> last bin.
// Both ADD to `counts` (the caller zeroes them for a fresh histogram).
// Counts are bit-identical for every Isa and thread count: per-chunk private
// uint32 histograms are summed into the uint64 result (integer sums are
// exact, so the merge order cannot change the result).
#ifndef QUANTSIM_KERNELS_CPU_STATS_HISTOGRAM_H_
#define QUANTSIM_KERNELS_CPU_STATS_HISTOGRAM_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "kernels/cpu/stats/stats_exec.h"

namespace quantsim::kernels {

struct RoundedBuckets {
  float width = 1.0f;   // > 0, finite
  float offset = 0.0f;  // finite; libpymo: float(xLeft0) / width
  int32_t num_buckets = 512;
};

// libpymo's arithmetic: width = float(bucket_width), offset =
// float(xleft0) / width (float divide).
RoundedBuckets MakePymoBuckets(double xleft0, double bucket_width,
                               int32_t num_buckets);

struct LinearBins {
  float lo = 0.0f;  // finite, lo < hi
  float hi = 1.0f;  // finite
  int32_t num_bins = 2048;
};

// counts.size() must equal num_buckets. num_dropped may be null.
absl::Status HistogramRounded(absl::Span<const float> x,
                              const RoundedBuckets& buckets,
                              absl::Span<uint64_t> counts,
                              uint64_t* num_dropped,
                              const StatsExec& exec = {});

// counts.size() must equal num_bins. num_nan may be null.
absl::Status HistogramLinear(absl::Span<const float> x, const LinearBins& bins,
                             absl::Span<uint64_t> counts, uint64_t* num_nan,
                             const StatsExec& exec = {});

// Argument checks of the two functions above (exposed for callers that
// validate once and then call the kernels in a loop).
absl::Status ValidateRoundedBuckets(const RoundedBuckets& b);
absl::Status ValidateLinearBins(const LinearBins& b);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_STATS_HISTOGRAM_H_
