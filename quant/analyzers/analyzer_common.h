// quantsim quant: what every encoding analyzer shares.
//
// Contract (spec §2, §10):
//  * An analyzer is fed batch by batch through UpdateStats(x, n, exec); its
//    statistics persist between calls, so calibration can be resumed, and
//    Reset() forgets them. ComputeEncoding(options) reads them without
//    changing them (it may be called any number of times, with any options).
//  * UpdateStats returns InvalidArgument for bad arguments (n < 0, x null
//    with n > 0, an exec whose isa this CPU lacks or grain < 1) and leaves
//    the statistics unchanged on error. n == 0 is a no-op.
//  * An analyzer that has nothing to derive an encoding from returns the
//    "no data" status from ComputeEncoding (FailedPrecondition, tested by
//    IsNoData); the caller disables that quantizer, as AIMET does with the
//    all-zero TfEncoding libpymo returns. Other errors are InvalidArgument
//    (bad options) or Internal.
#ifndef QUANTSIM_QUANT_ANALYZERS_ANALYZER_COMMON_H_
#define QUANTSIM_QUANT_ANALYZERS_ANALYZER_COMMON_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/cpu/stats/stats_exec.h"
#include "quant/encoding.h"

namespace quantsim::quant {

// The status ComputeEncoding returns when the analyzer saw no usable data.
absl::Status NoDataStatus(const char* analyzer);
bool IsNoData(const absl::Status& status);

// Argument checks of UpdateStats (see the file comment).
absl::Status ValidateBatch(const float* x, int64_t n,
                           const kernels::StatsExec& exec);

// libpymo's encoding for histogram analyzers that saw only all-zero batches
// (PERCENTILE, MSE, ENTROPY; TF_ENHANCED with num_steps = 2^b - 1 whatever
// the flags): min = -1, max = 1, delta = 2 / N, offset = floor(-1 / delta),
// min = offset * delta, max = min + N * delta (double).
Encoding LibpymoZeroDataEncoding(const GridOptions& options, int64_t num_steps);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_ANALYZERS_ANALYZER_COMMON_H_
