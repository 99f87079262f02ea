#include "quant/analyzers/pdf_range_search.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>
#include <vector>

#include "quant/libpymo_encoding.h"

namespace quantsim::quant {
namespace {

constexpr int kBuckets = kernels::PdfHistogram512::kNumBuckets;

struct BinCenter {
  float value;
  float pdf;  // libpymo stores the bucket's pdf in a pair<DTYPE, DTYPE>
};

// Sum of pdf·(c - QDQ(clamp(c)))^2 over the bin centres (libpymo
// _computeMSECost).
float MseCost(const std::vector<BinCenter>& centers, const Encoding& e,
              float cmin, float cmax) {
  float err = 0;
  for (const BinCenter& c : centers) {
    const float clamped = std::max(cmin, std::min(c.value, cmax));
    const int q = static_cast<int>(
        std::round(static_cast<double>(clamped) / e.scale - e.offset));
    const float dq = static_cast<float>(e.scale * (q + e.offset));
    const double d = static_cast<double>(c.value - dq);
    err = static_cast<float>(static_cast<double>(err) +
                             static_cast<double>(c.pdf) * (d * d));
  }
  return err;
}

}  // namespace

FloatRange PercentileRange(const kernels::PdfHistogram512& hist,
                           float percentile) {
  const FloatRange aggregate = AggregateRange(hist);
  if (percentile == 100.0f) return aggregate;
  const std::vector<double>& x_left = hist.x_left();
  const std::vector<double>& pdf = hist.pdf();
  const float width = static_cast<float>(x_left[1] - x_left[0]);
  float pmin = static_cast<float>(x_left[0]);
  float pmax = static_cast<float>(x_left[kBuckets - 1] + width);
  std::vector<double> cdf(pdf);
  for (int i = 1; i < kBuckets; ++i) cdf[i] += cdf[i - 1];
  const float left = 1 - percentile / 100;
  for (int i = 0; i < kBuckets; ++i) {
    if (cdf[i] >= left) {
      pmin = static_cast<float>(x_left[i]);
      break;
    }
  }
  const float right = percentile / 100;
  for (int i = kBuckets - 1; i >= 0; --i) {
    if (cdf[i] < right && x_left[i] < aggregate.max) {
      pmax = static_cast<float>(x_left[i] + width);
      break;
    }
  }
  if (pmin == pmax) pmax += width;
  return {pmin, pmax};
}

absl::StatusOr<FloatRange> MseRange(const kernels::PdfHistogram512& hist,
                                    const GridOptions& options,
                                    engine::ThreadPool* pool) {
  const std::vector<double>& x_left = hist.x_left();
  const std::vector<double>& pdf = hist.pdf();
  const float width = static_cast<float>(x_left[1] - x_left[0]);
  const float hist_min = static_cast<float>(x_left[0]);
  const float hist_max = static_cast<float>(x_left[kBuckets - 1] + width);
  FloatRange range = AggregateRange(hist);
  const float min_val = range.min;
  const float max_val = range.max + width;

  std::vector<float> edges = {min_val};
  for (float e = hist_min; e <= hist_max; e += width) {
    if (e >= min_val && e <= max_val) edges.push_back(e);
  }
  std::vector<float> min_cands, max_cands;
  for (float c : edges) {
    if (c < 0) {
      min_cands.push_back(c);
    } else if (c > 0) {
      max_cands.push_back(c);
    }
  }
  min_cands.push_back(0);
  max_cands.push_back(0);
  std::vector<std::pair<float, float>> pairs;
  pairs.reserve(min_cands.size() * max_cands.size());
  for (float lo : min_cands) {
    for (float hi : max_cands) pairs.push_back({lo, hi});
  }
  pairs.pop_back();  // (0, 0)

  const int64_t num_centers = static_cast<int64_t>(edges.size()) - 1;
  FloatRange best{min_val, max_val};
  if (num_centers <= 0 || pairs.empty()) return best;  // libpymo: UB
  const float pdf_start = hist_min;
  const float pdf_step = width;
  std::vector<BinCenter> centers(num_centers);
  for (int64_t i = 0; i < num_centers; ++i) {
    const float c = i == 0 ? min_val + width / 2 : centers[i - 1].value + width;
    int ind = static_cast<int>(std::floor((c - pdf_start) / pdf_step));
    ind = std::min(std::max(0, ind), kBuckets - 1);
    centers[i] = {c, static_cast<float>(pdf[ind])};
  }

  const int64_t n = static_cast<int64_t>(pairs.size());
  std::vector<float> costs(n);
  std::vector<absl::Status> errors(engine::NumChunks(n, 64));
  engine::ParallelFor(pool, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      absl::StatusOr<Encoding> e =
          ComputeLibpymoEncoding(pairs[k].first, pairs[k].second, options);
      if (!e.ok()) {
        errors[begin / 64] = e.status();
        return;
      }
      costs[k] = MseCost(centers, *e, pairs[k].first, pairs[k].second);
    }
  });
  for (const absl::Status& s : errors) {
    if (!s.ok()) return absl::InternalError(s.message());
  }
  float best_cost = FLT_MAX;
  for (int64_t k = 0; k < n; ++k) {
    if (costs[k] < best_cost) {
      best_cost = costs[k];
      best = {pairs[k].first, pairs[k].second};
    }
  }
  return best;
}

}  // namespace quantsim::quant
