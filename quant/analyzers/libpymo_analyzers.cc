#include "quant/analyzers/libpymo_analyzers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/stats/minmax.h"
#include "quant/analyzers/pdf_range_search.h"
#include "quant/analyzers/tfe_search.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::quant {
namespace {

Encoding PassThroughEncoding(const GridOptions& o) {
  Encoding e;
  e.bitwidth = kPassThroughBitwidth;
  e.pass_through = true;
  e.symmetric = o.symmetric;
  e.strict_symmetric = o.symmetric && o.strict_symmetric;
  return e;
}

// min <= 0 <= max, then getComputedEncodings (the shared tail of the
// percentile, MSE and entropy analyzers).
absl::StatusOr<Encoding> EncodingFromRange(float min, float max,
                                           const GridOptions& options) {
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  return ComputeLibpymoEncoding(min, max, options);
}

}  // namespace

// ---------------------------------------------------------------- TF

absl::Status TfAnalyzer::UpdateStats(const float* x, int64_t n,
                                     const kernels::StatsExec& exec) {
  if (absl::Status s = ValidateBatch(x, n, exec); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  const kernels::MinMaxResult mm = kernels::MinMax(x, n, {}, exec);
  if (!(mm.min <= mm.max)) return absl::OkStatus();  // all NaN
  // libpymo keeps the sign of the first zero it meets; we keep +0 (the
  // kernel orders -0 below +0), so an all-non-negative tensor gives +0.
  const double mn = mm.min == 0.0f ? 0.0 : static_cast<double>(mm.min);
  const double mx = mm.max == 0.0f ? 0.0 : static_cast<double>(mm.max);
  min_ = std::min(min_, mn);
  max_ = std::max(max_, mx);
  has_data_ = true;
  return absl::OkStatus();
}

absl::StatusOr<Encoding> TfAnalyzer::ComputeEncoding(
    const GridOptions& options) const {
  return ComputeTfEncoding(min_, max_, options);
}

void TfAnalyzer::Reset() {
  min_ = kNoDataMin;
  max_ = kNoDataMax;
  has_data_ = false;
}

// ---------------------------------------------------------------- PDF base

absl::Status LibpymoPdfAnalyzer::UpdateStats(const float* x, int64_t n,
                                             const kernels::StatsExec& exec) {
  if (absl::Status s = ValidateBatch(x, n, exec); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  if (absl::Status s = pdf_.Update(absl::MakeConstSpan(x, n), exec); !s.ok()) {
    return s;
  }
  stats_updated_ = true;
  return absl::OkStatus();
}

void LibpymoPdfAnalyzer::Reset() {
  pdf_.Reset();
  stats_updated_ = false;
}

// ---------------------------------------------------------------- TFE

absl::StatusOr<Encoding> TfEnhancedAnalyzer::ComputeEncoding(
    const GridOptions& options, engine::ThreadPool* pool) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!stats_updated_) return NoDataStatus("TF-enhanced analyzer");
  if (IsPassThrough(options.bitwidth)) return PassThroughEncoding(options);
  if (!pdf_.initialized()) {
    return LibpymoZeroDataEncoding(options, NumSteps(options.bitwidth, false));
  }
  const FloatRange r = AggregateRange(pdf_);
  const bool strict = options.symmetric && options.strict_symmetric;
  const float num_steps =
      static_cast<float>(NumSteps(options.bitwidth, strict));
  const std::vector<TfeCandidate> candidates =
      options.symmetric ? TfeSymmetricCandidates(r.min, r.max, num_steps,
                                                 options.unsigned_symmetric)
                        : TfeAsymmetricCandidates(r.min, r.max, num_steps);
  const TfeCostModel model(pdf_);
  const int64_t best = model.Best(options.bitwidth, candidates, pool);
  if (best < 0) {
    return absl::InternalError(
        "TF-enhanced analyzer: no candidate has a finite cost");
  }
  const TfeCandidate c = candidates[best];
  Encoding e;
  e.bitwidth = options.bitwidth;
  e.symmetric = options.symmetric;
  e.strict_symmetric = strict;
  e.scale = c.delta;
  e.offset = c.offset;
  e.min = c.delta * static_cast<float>(c.offset);
  e.max = c.delta * static_cast<float>(c.offset + num_steps);
  return e;
}

// ---------------------------------------------------------------- Percentile

absl::StatusOr<Encoding> PercentileAnalyzer::ComputeEncoding(
    const GridOptions& options) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!(percentile_ > 0.0f && percentile_ <= 100.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile ", percentile_, " is outside (0, 100]"));
  }
  if (!stats_updated_) return NoDataStatus("percentile analyzer");
  if (IsPassThrough(options.bitwidth)) return PassThroughEncoding(options);
  if (!pdf_.initialized()) {
    return LibpymoZeroDataEncoding(
        options, NumSteps(options.bitwidth,
                          options.symmetric && options.strict_symmetric));
  }
  const FloatRange r = PercentileRange(pdf_, percentile_);
  return EncodingFromRange(r.min, r.max, options);
}

// ---------------------------------------------------------------- MSE

absl::StatusOr<Encoding> MseAnalyzer::ComputeEncoding(
    const GridOptions& options, engine::ThreadPool* pool) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!stats_updated_) return NoDataStatus("MSE analyzer");
  if (IsPassThrough(options.bitwidth)) return PassThroughEncoding(options);
  if (!pdf_.initialized()) {
    return LibpymoZeroDataEncoding(
        options, NumSteps(options.bitwidth,
                          options.symmetric && options.strict_symmetric));
  }
  absl::StatusOr<FloatRange> r = MseRange(pdf_, options, pool);
  if (!r.ok()) return r.status();
  return EncodingFromRange(r->min, r->max, options);
}

}  // namespace quantsim::quant
