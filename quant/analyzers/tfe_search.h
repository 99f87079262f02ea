// quantsim quant: libpymo's TF-enhanced candidate search on a 512-bucket PDF
// (spec §2.2), bit-exact with TfEnhancedEncodingAnalyzer<float>.
//
// Contract: all arithmetic in float32 where libpymo's DTYPE is float, double
// where it uses double (the PDF, the cost accumulation before rounding back
// to float), no FMA contraction (this library builds with
// -ffp-contract=off). In detail:
//  * AggregateRange (findOriginalRange<float>): xLeft of the first / last
//    bucket with pdf > 0 (the backwards scan stops at bucket 1; defaults
//    xLeft[0] / xLeft[511]), then min <= 0 <= max, max >= min + 0.01f.
//  * Asymmetric candidates (N as float and as double): Δobs =
//    float((double(max) - double(min)) / N), oobs = round(min / Δobs),
//    minObs = Δobs·oobs, maxObs = minObs + Δobs·N (float). For f = k/16
//    (k = 1..17) and i = 0..20: Δ = f·Δobs (fresh for every offset), o =
//    trunc(-N + N/20.0·i), lo = Δ·o (float), hi = float(lo + double(Δ)·N);
//    skipped if it extends past [minObs, maxObs] on both sides; else
//    intersected with it (skipped if the intersection is empty) and
//    re-derived: Δ = float((hi - lo) / double(N)), o = round(lo / Δ). Then
//    (Δobs, oobs). Which operations run in float and which in double was
//    pinned down on AIMET's golden outputs (libpymo c51b284): the stored
//    AIMET source (all float, Δ carried from one offset to the next) gives
//    different candidates on 33 of its 120 TF-enhanced records.
//  * Symmetric candidates: Δmax = max/N with offset 0 when min == 0 and
//    unsigned symmetric, else 2·max(|min|, |max|)/N with offset floor(-N/2);
//    factors f accumulate 0.01 in float while double(f) <= 1.01 (101
//    factors, the last 1.0099994).
//  * Cost (_quantAndSatCost) with Nfull = 2^b - 1 (not the strict N),
//    bucket-midpoint clipping, GAMMA = 3 (float), float accumulators that
//    add double terms pdf[i]·(diff)^2. Lowest cost wins, ties keep the first
//    (strict <, starting from FLT_MAX).
// Speed: costs are independent per candidate and evaluated in parallel
// (engine::ParallelFor over candidates), then the argmin is taken in
// candidate order, so the result does not depend on the thread count.
// Buckets with pdf == 0 are skipped: their terms are exact +0 additions.
// The saturation sums are not turned into prefix sums: libpymo rounds the
// accumulator to float after every bucket, so a reformulation would change
// the last bits (and could then change the argmin).
#ifndef QUANTSIM_QUANT_ANALYZERS_TFE_SEARCH_H_
#define QUANTSIM_QUANT_ANALYZERS_TFE_SEARCH_H_

#include <cstdint>
#include <vector>

#include "engine/thread_pool.h"
#include "kernels/cpu/stats/pdf_histogram.h"

namespace quantsim::quant {

struct TfeCandidate {
  float delta = 0.0f;
  int offset = 0;
};

// libpymo findOriginalRange<float> on an initialized histogram.
struct FloatRange {
  float min = 0.0f;
  float max = 0.0f;
};
FloatRange AggregateRange(const kernels::PdfHistogram512& pdf);

std::vector<TfeCandidate> TfeAsymmetricCandidates(float min_val, float max_val,
                                                  float num_steps);
std::vector<TfeCandidate> TfeSymmetricCandidates(float min_val, float max_val,
                                                 float num_steps,
                                                 bool unsigned_symmetric);

// The cost table of one PDF: bucket midpoints and where mass lies.
class TfeCostModel {
 public:
  // pdf must be initialized.
  explicit TfeCostModel(const kernels::PdfHistogram512& pdf);

  // libpymo _quantAndSatCost(pdf, bw, delta, offset).
  float Cost(int bitwidth, TfeCandidate c) const;

  // Index of the lowest-cost candidate (first on ties), or -1 when no cost
  // is below FLT_MAX (libpymo then returns delta -1). Threaded on pool.
  int64_t Best(int bitwidth, const std::vector<TfeCandidate>& candidates,
               engine::ThreadPool* pool) const;

 private:
  const double* pdf_;
  float start_ = 0.0f;
  float step_ = 0.0f;
  std::vector<float> mid_;  // libpymo midVal of every bucket
  int first_nz_ = 0;        // buckets with pdf > 0 lie in [first_nz_, last_nz_]
  int last_nz_ = -1;
};

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_ANALYZERS_TFE_SEARCH_H_
