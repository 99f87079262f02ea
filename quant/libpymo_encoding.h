// quantsim quant: AIMET v1 / aimet-onnx ("libpymo") encoding rules.
//
// Contract (spec §1.3, §1.4, §2.1): bit-exact with libpymo, all in double.
//  * ComputeLibpymoEncoding = libpymo getComputedEncodings: from a range that
//    already contains 0, Δ and offset by the signed-symmetric branch
//    (Δ = max(|min|,|max|) / floor(N/2), offset = -ceil(N/2)) or the
//    asymmetric branch (Δ = (max-min)/N; if min < 0 < max the range is
//    shifted, width kept, so 0 is a grid point). ±inf become ∓FLT_MAX,
//    rounding is std::round (half away from zero).
//  * GateLibpymoRange + ComputeTfEncoding = TfEncodingAnalyzer's
//    computeEncoding: min <= 0 <= max, max >= min + 0.01, then the above.
//  * LibpymoKernelEncoding = what TensorQuantizationSim recomputes from
//    (min, max, bw) alone before every QDQ: gate with 1e-5, strict symmetric
//    detected only by min == -max, Δ = (max-min)/N, o = round(min/Δ),
//    min = oΔ, max = NΔ + min.
//  * ToLibpymoKernelParam / LibpymoKernelConfig: the float32 parameters of
//    kernels/cpu/fake_quant/reference.h kHalfAwayFromZero that reproduce
//    libpymo's CPU QDQ bit for bit (clamp to [min, max] in float, divide by
//    Δ, subtract the offset, roundf, multiply back).
// Bad input returns InvalidArgument naming the problem.
#ifndef QUANTSIM_QUANT_LIBPYMO_ENCODING_H_
#define QUANTSIM_QUANT_LIBPYMO_ENCODING_H_

#include <cfloat>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/encoding.h"

namespace quantsim::quant {

// libpymo TfEncodingAnalyzer's MIN_RANGE: the smallest analyzer range.
inline constexpr double kLibpymoMinRange = 0.01;
// libpymo TensorQuantizationSim's EPSILON: the smallest kernel range.
inline constexpr double kLibpymoKernelEpsilon = 1e-5;
// A libpymo min/max analyzer that saw no data still holds its initial
// running min/max; ComputeTfEncoding gates that to [0, 0.01].
inline constexpr double kNoDataMin = DBL_MAX;
inline constexpr double kNoDataMax = -DBL_MAX;

struct Range {
  double min = 0.0;
  double max = 0.0;
};

// min <- min(min, 0), max <- max(max, 0), max <- max(max, min + min_range).
// No validation (NaN propagates as std::min/std::max do).
Range GateLibpymoRange(double min, double max, double min_range);

// libpymo getComputedEncodings. Requires min <= 0 <= max (gate first; a
// range not containing 0 is InvalidArgument, since libpymo's asymmetric
// branch would return a positive offset), no NaN, |finite values| <=
// FLT_MAX. ±inf are replaced by ∓FLT_MAX. Bitwidth 32 returns a
// pass-through encoding.
absl::StatusOr<Encoding> ComputeLibpymoEncoding(double min, double max,
                                                const GridOptions& options);

// libpymo TF (min-max) analyzer: gate the observed running min/max with
// kLibpymoMinRange, then ComputeLibpymoEncoding. observed_min > observed_max
// is InvalidArgument unless it is exactly (kNoDataMin, kNoDataMax); NaN is
// InvalidArgument; ±inf are allowed (they become ∓FLT_MAX).
absl::StatusOr<Encoding> ComputeTfEncoding(double observed_min,
                                           double observed_max,
                                           const GridOptions& options);

// The encoding libpymo's QDQ kernel derives from (min, max, bitwidth). min
// and max must be finite with |value| <= FLT_MAX and min <= max. The result
// has strict_symmetric (and symmetric) set only when strict was detected
// (gated min == -max): the kernel knows nothing else about the quantizer.
// Bitwidth 32 is pass-through.
absl::StatusOr<Encoding> LibpymoKernelEncoding(double min, double max,
                                               int bitwidth);

// Per-channel form (v1 torch extension): every channel is gated and
// re-derived alone, but N (strict or not) is decided by channel 0 only.
// mins and maxs must have the same, non-zero size.
absl::StatusOr<PerChannelEncoding> LibpymoKernelEncodings(
    const std::vector<double>& mins, const std::vector<double>& maxs,
    int bitwidth);

// Kernel parameters of an encoding used as is (libpymo's quantizeDequantize
// with an explicit TfEncoding): scale = float(scale), zero_point =
// -float(offset), clip_lo = float(min), clip_hi = float(max). Feed it the
// result of LibpymoKernelEncoding to reproduce TensorQuantizer's QDQ from
// (min, max, bw). Precondition: not pass-through.
kernels::QdqParam ToLibpymoKernelParam(const Encoding& encoding);
std::vector<kernels::QdqParam> ToLibpymoKernelParams(
    const PerChannelEncoding& encodings);

// qmin = 0, qmax = N, rounding kHalfAwayFromZero. (qmin/qmax only matter for
// kStochastic; from bitwidth 25 on, float(N) is not exact.)
kernels::QdqConfig LibpymoKernelConfig(const Encoding& encoding);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_LIBPYMO_ENCODING_H_
