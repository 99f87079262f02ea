// quantsim kernels: min/max calibration statistics, per tensor and per
// channel.
//
// Contract (values; see stats_reference.h for the exact fold):
//  - NaN is ignored (optionally counted); +-inf is included as-is (the
//    encoding layer clamps infinite ranges to +-FLT_MAX), unless
//    finite_only is set; -0 orders below +0.
//  - No value seen (empty input, all NaN): min = +inf, max = -inf.
//  - Results are bit-identical for every Isa and every thread count.
// MinMax is a kernel (no validation beyond debug checks); MinMaxPerChannel
// validates its arguments and returns InvalidArgument on bad input.
#ifndef QUANTSIM_KERNELS_CPU_STATS_MINMAX_H_
#define QUANTSIM_KERNELS_CPU_STATS_MINMAX_H_

#include <math.h>
#include <stdint.h>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/stats/stats_exec.h"

namespace quantsim::kernels {

struct MinMaxOptions {
  bool finite_only = false;      // ignore +-inf too (AIMET v2 histograms)
  bool count_nonfinite = false;  // fill num_nan / num_inf
};

struct MinMaxResult {
  float min = INFINITY;
  float max = -INFINITY;
  int64_t num_nan = 0;  // only with count_nonfinite
  int64_t num_inf = 0;  // +inf and -inf; only with count_nonfinite
};

// Combines two partial results (exact, order-free).
MinMaxResult CombineMinMax(const MinMaxResult& a, const MinMaxResult& b);

// Per-tensor min/max of x[0, n). Threaded over fixed chunks of exec.grain.
MinMaxResult MinMax(const float* x, int64_t n, const MinMaxOptions& options,
                    const StatsExec& exec = {});

// Per-channel min/max over the [outer, axis, inner] view of x (row-major):
// out_min[a] / out_max[a] reduce all (o, i) for channel a. Requires
// layout.block == 1 and no vary_outer / vary_inner (plain per-axis layout),
// x.size() == layout.NumElements(), out_* sizes == layout.axis.
absl::Status MinMaxPerChannel(absl::Span<const float> x,
                              const QdqLayout& layout,
                              absl::Span<float> out_min,
                              absl::Span<float> out_max,
                              const StatsExec& exec = {});

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_STATS_MINMAX_H_
