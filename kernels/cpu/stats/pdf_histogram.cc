#include "kernels/cpu/stats/pdf_histogram.h"

#include <algorithm>

#include "kernels/cpu/stats/minmax.h"
#include "kernels/cpu/stats/stats_reference.h"

namespace quantsim::kernels {

void PdfHistogram512::InitialRange(float min, float max, float* lo,
                                   float* width) {
  // Compiled with -ffp-contract=off: no FMA, like libpymo's -O2 build.
  if (min == max) max = std::max(max, min + 0.01f);
  const float center = (max + min) / 2;
  const float new_min = center - 3 * (center - min);
  const float new_max = center + 3 * (max - center);
  *lo = new_min;
  *width = (new_max - new_min) / kNumBuckets;
}

void PdfHistogram512::Reset() {
  x_left_.clear();
  pdf_.clear();
  iterations_ = 0;
}

RoundedBuckets PdfHistogram512::buckets() const {
  if (!initialized()) return RoundedBuckets{};
  return MakePymoBuckets(x_left_[0], x_left_[1] - x_left_[0], kNumBuckets);
}

absl::Status PdfHistogram512::Update(absl::Span<const float> x,
                                     const StatsExec& exec) {
  if (absl::Status s = ValidateStatsExec(exec); !s.ok()) return s;
  const int64_t n = x.size();
  if (n == 0) return absl::OkStatus();
  if (!initialized()) {
    MinMaxResult mm = MinMax(x.data(), n, MinMaxOptions{}, exec);
    if (mm.min == 0.0f && mm.max == 0.0f) return absl::OkStatus();
    if (!IsFiniteF(mm.min) || !IsFiniteF(mm.max)) {
      MinMaxOptions finite;
      finite.finite_only = true;
      mm = MinMax(x.data(), n, finite, exec);
      if (!(mm.min <= mm.max)) return absl::OkStatus();  // nothing finite
    }
    float lo, width;
    InitialRange(mm.min, mm.max, &lo, &width);
    x_left_.resize(kNumBuckets);
    for (int i = 0; i < kNumBuckets; ++i) {
      x_left_[i] = static_cast<double>(lo) + i * static_cast<double>(width);
    }
    pdf_.assign(kNumBuckets, 0.0);
    iterations_ = 0;
  }
  std::vector<uint64_t> counts(kNumBuckets, 0);
  const RoundedBuckets b = buckets();
  // A zero / non-finite width (a huge constant first batch) drops every
  // value, as libpymo's x / 0 arithmetic does.
  if (ValidateRoundedBuckets(b).ok()) {
    if (absl::Status s =
            HistogramRounded(x, b, absl::MakeSpan(counts), nullptr, exec);
        !s.ok()) {
      return s;
    }
  }
  const double it = static_cast<double>(iterations_);
  for (int i = 0; i < kNumBuckets; ++i) {
    const double prob = static_cast<double>(counts[i]) / static_cast<double>(n);
    pdf_[i] = (pdf_[i] * it + prob) / (it + 1);
  }
  ++iterations_;
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
