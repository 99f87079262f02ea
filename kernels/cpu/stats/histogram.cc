#include "kernels/cpu/stats/histogram.h"

#include <math.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "kernels/cpu/stats/stats_dispatch.h"
#include "kernels/cpu/stats/stats_reference.h"

namespace quantsim::kernels {
namespace {

using stats_internal::DispatchStats;
using stats_internal::kNumSubHist;

// Runs `bin_chunk(begin, end, sub)` over fixed chunks, each into a private
// kNumSubHist x (num + 1) uint32 histogram (slot num = dropped), and adds all
// of them to counts / *dropped.
template <class BinChunk>
void ChunkedHistogram(int64_t n, int32_t num, const StatsExec& exec,
                      uint64_t* counts, uint64_t* dropped,
                      const BinChunk& bin_chunk) {
  const int64_t row = int64_t{num} + 1;
  // uint32 sub-counters: a chunk must stay below 2^32 elements.
  const int64_t grain =
      std::min<int64_t>(std::max<int64_t>(1, exec.grain), int64_t{1} << 31);
  absl::Mutex mu;
  std::vector<uint64_t> total(row, 0);
  engine::ParallelFor(exec.pool, n, grain, [&](int64_t b, int64_t e) {
    std::vector<uint32_t> sub(kNumSubHist * row, 0);
    bin_chunk(b, e, sub.data());
    for (int s = 1; s < kNumSubHist; ++s) {
      for (int64_t k = 0; k < row; ++k) sub[k] += sub[s * row + k];
    }
    absl::MutexLock lock(&mu);
    for (int64_t k = 0; k < row; ++k) total[k] += sub[k];
  });
  for (int32_t k = 0; k < num; ++k) counts[k] += total[k];
  if (dropped != nullptr) *dropped += total[num];
}

absl::Status CheckCommon(int64_t counts_size, int32_t num,
                         const StatsExec& exec) {
  if (counts_size != num) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram: counts has ", counts_size, " entries, need ", num));
  }
  return ValidateStatsExec(exec);
}

}  // namespace

RoundedBuckets MakePymoBuckets(double xleft0, double bucket_width,
                               int32_t num_buckets) {
  RoundedBuckets b;
  b.width = static_cast<float>(bucket_width);
  b.offset = static_cast<float>(xleft0) / b.width;
  b.num_buckets = num_buckets;
  return b;
}

absl::Status ValidateRoundedBuckets(const RoundedBuckets& b) {
  if (b.num_buckets < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram: num_buckets must be >= 1, got ", b.num_buckets));
  }
  if (!(b.width > 0.0f) || !IsFiniteF(b.width)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram: bucket width must be finite and > 0, got ", b.width));
  }
  if (!IsFiniteF(b.offset)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram: bucket offset must be finite, got ", b.offset));
  }
  return absl::OkStatus();
}

absl::Status ValidateLinearBins(const LinearBins& b) {
  if (b.num_bins < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram: num_bins must be >= 1, got ", b.num_bins));
  }
  if (!IsFiniteF(b.lo) || !IsFiniteF(b.hi) || !(b.lo < b.hi) ||
      !IsFiniteF(b.hi - b.lo)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram: need finite lo < hi with finite hi - lo, got [", b.lo, ", ",
        b.hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status HistogramRounded(absl::Span<const float> x,
                              const RoundedBuckets& bk,
                              absl::Span<uint64_t> counts,
                              uint64_t* num_dropped, const StatsExec& exec) {
  if (absl::Status s = ValidateRoundedBuckets(bk); !s.ok()) return s;
  if (absl::Status s = CheckCommon(counts.size(), bk.num_buckets, exec);
      !s.ok()) {
    return s;
  }
  const float* data = x.data();
  ChunkedHistogram(x.size(), bk.num_buckets, exec, counts.data(), num_dropped,
                   [&](int64_t b, int64_t e, uint32_t* sub) {
                     const int64_t done = DispatchStats(
                         exec.isa, stats_internal::RoundedBinKernel{}, data + b,
                         e - b, bk.width, bk.offset, bk.num_buckets, sub);
                     for (int64_t i = b + done; i < e; ++i) {
                       ++sub[RoundedBucketIndex(data[i], bk.width, bk.offset,
                                                bk.num_buckets)];
                     }
                   });
  return absl::OkStatus();
}

absl::Status HistogramLinear(absl::Span<const float> x, const LinearBins& bn,
                             absl::Span<uint64_t> counts, uint64_t* num_nan,
                             const StatsExec& exec) {
  if (absl::Status s = ValidateLinearBins(bn); !s.ok()) return s;
  if (absl::Status s = CheckCommon(counts.size(), bn.num_bins, exec); !s.ok()) {
    return s;
  }
  const float* data = x.data();
  ChunkedHistogram(
      x.size(), bn.num_bins, exec, counts.data(), num_nan,
      [&](int64_t b, int64_t e, uint32_t* sub) {
        const int64_t done =
            DispatchStats(exec.isa, stats_internal::LinearBinKernel{}, data + b,
                          e - b, bn.lo, bn.hi, bn.num_bins, sub);
        for (int64_t i = b + done; i < e; ++i) {
          ++sub[LinearBinIndex(data[i], bn.lo, bn.hi, bn.num_bins)];
        }
      });
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
