// quantsim quant: aimet_torch.v2 ("QuantSim 2.0") encoding rules.
//
// Contract (spec §1.5, §2.1 v2 MinMaxEncodingAnalyzer), float32 as v2 does:
//  * V2MinMaxRange: clamp so min <= 0 <= max; widen degenerate ranges
//    ((max-min)/N < s_min; s_min = FLT_EPSILON, or min(FLT_EPSILON, 0.01/N)
//    in newer releases); symmetric: Δ = max(max/floor(N/2), -min/ceil(N/2)),
//    min = -ceil(N/2)Δ, max = floor(N/2)Δ; clamp to ±FLT_MAX.
//  * V2EncodingFromMinMax: the affine quantizer's derived parameters,
//    scale = (max-min)/(qmax-qmin), offset_v2 = 0 (symmetric) or
//    round_half_even(min/scale) - qmin, and the grid range
//    [scale(offset_v2+qmin), scale(offset_v2+qmax)]. The Encoding carries
//    the legacy offset offset_v2 + qmin (-2^(b-1) when symmetric).
//  * ToV2KernelParam / V2KernelConfig: reference.h kHalfToEven parameters,
//    q = clamp(rne(x/scale) - offset_v2, qmin, qmax), signed grid
//    [-2^(b-1), 2^(b-1)-1] with zero point 0 when symmetric, else [0, 2^b-1].
// Float32 integer grids are exact up to bitwidth 24 (v2 itself upcasts wider
// grids; that is not modelled). Bitwidth 32 is pass-through.
#ifndef QUANTSIM_QUANT_V2_ENCODING_H_
#define QUANTSIM_QUANT_V2_ENCODING_H_

#include "absl/status/statusor.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/encoding.h"

namespace quantsim::quant {

// Smallest scale v2's min-max analyzer allows.
enum class V2MinScale {
  kFltEpsilon,        // Oct-2024 snapshot: FLT_EPSILON
  kEpsilonOrPerStep,  // newer: min(FLT_EPSILON, 0.01 / N)
};

struct V2Range {
  float min = 0.0f;
  float max = 0.0f;
};

// v2 MinMaxEncodingAnalyzer.compute_encodings on the observed running
// min/max. NaN, observed_min > observed_max or a bad bitwidth:
// InvalidArgument.
absl::StatusOr<V2Range> V2MinMaxRange(
    float observed_min, float observed_max, int bitwidth, bool symmetric,
    V2MinScale min_scale = V2MinScale::kFltEpsilon);

// The v2 affine quantizer's encoding for its (min, max) parameters.
// InvalidArgument unless min <= max, both finite, and the float32 scale is
// finite and > 0. Bitwidth 32 gives a pass-through encoding.
absl::StatusOr<Encoding> V2EncodingFromMinMax(float min, float max,
                                              int bitwidth, bool symmetric);

// V2MinMaxRange then V2EncodingFromMinMax.
absl::StatusOr<Encoding> ComputeV2MinMaxEncoding(
    float observed_min, float observed_max, int bitwidth, bool symmetric,
    V2MinScale min_scale = V2MinScale::kFltEpsilon);

// Precondition: not pass-through, bitwidth <= 24 for exact grid limits.
kernels::QdqParam ToV2KernelParam(const Encoding& encoding);
kernels::QdqConfig V2KernelConfig(const Encoding& encoding);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_V2_ENCODING_H_
