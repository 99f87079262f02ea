#include "quant/analyzers/v2_analyzers.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/stats/minmax.h"

namespace quantsim::quant {
namespace {

// torch.searchsorted(cum, v) (left): the first index with cum[i] >= v.
int64_t SearchSorted(const std::vector<uint64_t>& cum, float v) {
  int64_t i = 0;
  const int64_t n = static_cast<int64_t>(cum.size());
  while (i < n && static_cast<float>(cum[i]) < v) ++i;
  return i;
}

}  // namespace

absl::Status V2MinMaxAnalyzer::UpdateStats(const float* x, int64_t n,
                                           const kernels::StatsExec& exec) {
  if (absl::Status s = ValidateBatch(x, n, exec); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  const kernels::MinMaxResult mm = kernels::MinMax(x, n, {}, exec);
  UpdateMinMax(mm.min, mm.max);
  return absl::OkStatus();
}

void V2MinMaxAnalyzer::UpdateMinMax(float min, float max) {
  if (!(min <= max)) return;  // nothing seen (all NaN)
  min_ = std::min(min_, min);
  max_ = std::max(max_, max);
}

absl::StatusOr<Encoding> V2MinMaxAnalyzer::ComputeEncoding(
    const GridOptions& options) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!has_data()) return NoDataStatus("v2 min-max analyzer");
  return ComputeV2MinMaxEncoding(min_, max_, options.bitwidth,
                                 options.symmetric, min_scale_);
}

void V2MinMaxAnalyzer::Reset() {
  min_ = INFINITY;
  max_ = -INFINITY;
}

absl::Status V2PercentileAnalyzer::UpdateStats(const float* x, int64_t n,
                                               const kernels::StatsExec& exec) {
  if (absl::Status s = ValidateBatch(x, n, exec); !s.ok()) return s;
  return hist_.Update(absl::MakeConstSpan(x, n), exec);
}

V2Range V2PercentileAnalyzer::PercentileRange() const {
  const std::vector<float> edges = hist_.BinEdges();
  if (percentile_ == 100.0f) return {edges.front(), edges.back()};
  const std::vector<uint64_t>& counts = hist_.counts();
  std::vector<uint64_t> cum(counts.size());
  uint64_t acc = 0;
  for (size_t i = 0; i < counts.size(); ++i) cum[i] = acc += counts[i];
  const float total = static_cast<float>(acc);
  const int64_t i_max = SearchSorted(cum, total * percentile_ / 100);
  const int64_t i_min = SearchSorted(cum, total * (1 - percentile_ / 100));
  const int64_t last = static_cast<int64_t>(edges.size()) - 1;
  return {edges[std::min(i_min, last)], edges[std::min(i_max, last)]};
}

absl::StatusOr<Encoding> V2PercentileAnalyzer::ComputeEncoding(
    const GridOptions& options) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!(percentile_ >= 50.0f && percentile_ <= 100.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("v2 percentile ", percentile_, " is outside [50, 100]"));
  }
  if (!hist_.initialized()) return NoDataStatus("v2 percentile analyzer");
  const V2Range r = PercentileRange();
  return ComputeV2MinMaxEncoding(r.min, r.max, options.bitwidth,
                                 options.symmetric);
}

}  // namespace quantsim::quant
