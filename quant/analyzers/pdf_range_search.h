// quantsim quant: libpymo's percentile and MSE range searches on the
// 512-bucket PDF (spec §2.4, §2.5), bit-exact with
// PercentileEncodingAnalyzer<float> and MseEncodingAnalyzer<float>.
//
// Contract (float32 where libpymo's DTYPE is float):
//  * PercentileRange(pdf, p): p == 100 -> AggregateRange. Otherwise, with
//    width = float(xLeft[1] - xLeft[0]) and cdf the double running sum of the
//    pdf: min = xLeft of the first bucket with cdf >= float(1 - p/100)
//    (default xLeft[0]); max = xLeft[i] + width for the highest i with
//    cdf[i] < float(p/100) and xLeft[i] < the aggregate max (default
//    xLeft[511] + width); if min == max, max += width (in float).
//  * MseRange(pdf, options): candidate edges = the aggregate min, then the
//    float walk e = xLeft[0], e += width while e <= xLeft[511] + width,
//    keeping edges in [min, max + width]; min candidates = edges < 0 plus 0,
//    max candidates = edges > 0 plus 0, all pairs but the last (0, 0). Each
//    pair's cost: getComputedEncodings(pair, options), then for each of the
//    edges-1 bin centres c (min + width/2, adding width in float, pdf of its
//    bucket floor((c - xLeft0)/step) as float) the float accumulation of
//    pdf·(c - QDQ(clamp(c)))^2 with QDQ in double then float. Lowest cost
//    (float, strict <, from FLT_MAX) wins; default (min, max + width).
//    Costs are evaluated in parallel over pairs (argmin in pair order).
// Both return the range before the caller's min <= 0 <= max extension.
#ifndef QUANTSIM_QUANT_ANALYZERS_PDF_RANGE_SEARCH_H_
#define QUANTSIM_QUANT_ANALYZERS_PDF_RANGE_SEARCH_H_

#include "absl/status/statusor.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/stats/pdf_histogram.h"
#include "quant/analyzers/tfe_search.h"
#include "quant/encoding.h"

namespace quantsim::quant {

// pdf must be initialized; percentile in (0, 100].
FloatRange PercentileRange(const kernels::PdfHistogram512& pdf,
                           float percentile);

// pdf must be initialized; options validated by the caller. Errors only if
// a candidate's encoding cannot be derived (Internal).
absl::StatusOr<FloatRange> MseRange(const kernels::PdfHistogram512& pdf,
                                    const GridOptions& options,
                                    engine::ThreadPool* pool);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_ANALYZERS_PDF_RANGE_SEARCH_H_
