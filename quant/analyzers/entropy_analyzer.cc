#include "quant/analyzers/entropy_analyzer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/thread_pool.h"
#include "kernels/cpu/stats/minmax.h"
#include "quant/analyzers/analyzer_common.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::quant {
namespace {

constexpr size_t kBins = EntropyAnalyzer::kNumBins;
constexpr size_t kQuantizedBins = 255;

// libpymo getBin (float arguments).
inline size_t GetBin(size_t n, float width, float lo, float v) {
  return width == 0 ? 0
                    : std::min(static_cast<size_t>((v - lo) / width), n - 1);
}

// std::accumulate(first, last, 0.f): a float accumulator.
float FloatSum(const double* p, size_t n) {
  float acc = 0.f;
  for (size_t i = 0; i < n; ++i) {
    acc = static_cast<float>(static_cast<double>(acc) + p[i]);
  }
  return acc;
}

void ConditionHistogram(std::vector<double>& hist) {
  const double eps_zero = 0.0001;
  const size_t n = hist.size();
  if (n == 0) return;
  std::vector<int> is_zero(n);
  size_t num_zeros = 0;
  for (size_t i = 0; i < n; ++i) {
    is_zero[i] = static_cast<int>(hist[i] == 0.f);
    num_zeros += is_zero[i];
  }
  if (num_zeros == n) return;
  const size_t num_non_zeros = n - num_zeros;
  const double eps_non_zero = eps_zero * static_cast<double>(num_zeros) /
                              static_cast<double>(num_non_zeros);
  if (eps_non_zero >= 1.0) return;
  for (size_t i = 0; i < n; ++i) {
    hist[i] += eps_zero * is_zero[i];
    hist[i] -= eps_non_zero * (1 - is_zero[i]);
  }
}

double ComputeKl(std::vector<double>& p, std::vector<double>& q) {
  const double sum_p = FloatSum(p.data(), p.size());
  const double sum_q = FloatSum(q.data(), q.size());
  double divergence = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] /= sum_p;
    q[i] /= sum_q;
    if (p[i] > 0 && q[i] > 0) divergence += p[i] * std::log(p[i] / q[i]);
  }
  return divergence;
}

struct DRange {
  double min, max;
};

// libpymo _optimizeKL on an 8-bit grid.
DRange OptimizeKl(const std::vector<double>& hist, double hist_min,
                  double hist_max, bool shrink_symmetric) {
  const size_t num_bins = hist.size();
  const double bin_width =
      (hist_max - hist_min) / static_cast<double>(num_bins);
  double best = std::numeric_limits<double>::infinity();
  DRange out{hist_min, hist_max};
  size_t start = 0, stop = num_bins - 1;
  while (stop - start + 1 >= kQuantizedBins) {
    const size_t win = stop - start + 1;
    const double* w = hist.data() + start;
    std::vector<double> p(win);
    double left_sum = 0;
    for (size_t i = 0; i <= start; ++i) left_sum += hist[i];
    p.front() += left_sum;
    for (size_t i = start + 1; i < stop; ++i) p[i - start] = hist[i];
    double right_sum = 0;
    for (size_t i = stop; i < num_bins; ++i) right_sum += hist[i];
    p.back() += right_sum;

    const double merged = static_cast<double>(win) / kQuantizedBins;
    std::vector<double> q(win, 0);
    for (size_t k = 0; k < kQuantizedBins; ++k) {
      const size_t b = static_cast<size_t>(std::ceil(k * merged));
      const size_t e = k < kQuantizedBins - 1
                           ? static_cast<size_t>(std::ceil((k + 1) * merged))
                           : win;
      double sum = 0, norm = 0;
      for (size_t i = b; i < e; ++i) {
        sum += w[i];
        norm += (w[i] != 0);
      }
      if (norm != 0) {
        for (size_t i = b; i < e; ++i) {
          if (w[i] != 0) q[i] = sum / norm;
        }
      }
    }
    if (FloatSum(p.data(), win) == 0 || FloatSum(q.data(), win) == 0) break;
    ConditionHistogram(p);
    ConditionHistogram(q);
    const double divergence = ComputeKl(p, q);
    if (divergence < best) {
      best = divergence;
      out.min = hist_min + start * bin_width;
      out.max = hist_min + (stop + 1) * bin_width;
    }
    if (shrink_symmetric) {
      ++start;
      --stop;
      continue;
    }
    const double loss[3] = {hist[start] + hist[stop],
                            hist[start] + hist[start + 1],
                            hist[stop] + hist[stop - 1]};
    int idx = static_cast<int>(std::min_element(loss, loss + 3) - loss);
    if ((idx == 0 && hist_min + (start + 1) * bin_width > 0) ||
        (idx == 1 && hist_min + (start + 2) * bin_width > 0)) {
      idx = 2;
    } else if ((idx == 0 && hist_min + stop * bin_width < 0) ||
               (idx == 2 && hist_min + (stop - 1) * bin_width < 0)) {
      idx = 1;
    }
    if (idx == 0) {
      ++start;
      --stop;
    } else if (idx == 1) {
      start += 2;
    } else {
      stop -= 2;
    }
  }
  return out;
}

}  // namespace

std::vector<double> RescaleHistogram(const std::vector<double>& src,
                                     double src_min, double src_max,
                                     double dst_min, double dst_max) {
  if (src.empty()) return src;
  if (src_min == dst_min && src_max == dst_max) return src;
  const size_t n = src.size();
  const double src_w = (src_max - src_min) / n;
  const double dst_w = (dst_max - dst_min) / n;
  std::vector<double> dst(n, 0);
  for (size_t s = 0; s < n; ++s) {
    const double v = src[s];
    if (v == 0) continue;
    const double s_start = src_min + s * src_w;
    const double s_stop = src_min + (s + 1) * src_w;
    size_t d0 = static_cast<size_t>(
        std::max(std::floor((s_start - dst_min) / dst_w), 0.0));
    size_t d1 = static_cast<size_t>(
        std::max(std::ceil((s_stop - dst_min) / dst_w), 0.0));
    if (d0 >= n) d0 = n - 1;
    if (d1 >= n) d1 = n - 1;
    double rem = v;
    for (size_t d = d0; d <= d1; ++d) {
      const double d_start = dst_min + d * dst_w;
      const double d_stop = dst_min + (d + 1) * dst_w;
      double ratio =
          (std::min(s_stop, d_stop) - std::max(s_start, d_start)) / src_w;
      ratio = ratio >= 0.0f ? ratio : 0.0f;
      ratio = ratio <= 1.0f ? ratio : 1.0f;
      double part = std::round(ratio * v);
      part = part <= rem ? part : rem;
      dst[d] += part;
      rem -= part;
    }
  }
  return dst;
}

absl::Status EntropyAnalyzer::UpdateStats(const float* x, int64_t n,
                                          const kernels::StatsExec& exec) {
  if (absl::Status s = ValidateBatch(x, n, exec); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  stats_updated_ = true;
  kernels::MinMaxOptions finite;
  finite.finite_only = true;
  const kernels::MinMaxResult mm = kernels::MinMax(x, n, finite, exec);
  if (!(mm.min <= mm.max)) return absl::OkStatus();  // nothing finite
  const double in_min = mm.min;
  double in_max = mm.max;
  if (in_min == 0 && in_max == 0) return absl::OkStatus();
  if (in_min == in_max) {
    in_max = std::max(in_max, in_min + static_cast<float>(0.01));
  }
  if (hist_.empty()) {
    hist_.assign(kBins, 0.0);
    min_ = in_min;
    max_ = in_max;
  }
  if (in_min < min_ || in_max > max_) {
    const double new_min = std::min(in_min, min_);
    const double new_max = std::max(in_max, max_);
    const double dst_w = (new_max - new_min) / kBins;
    const double src_w = (max_ - min_) / kBins;
    std::vector<double> scaled(kBins, 0);
    for (size_t i = 0; i < kBins; ++i) {
      const double c = hist_[i];
      if (c == 0) continue;
      const double begin = min_ + src_w * i;
      const size_t dst_bin = static_cast<size_t>((begin - new_min) / dst_w);
      const double dst_end = new_min + dst_w * (dst_bin + 1);
      const double put = std::min(
          static_cast<double>(std::round((dst_end - begin) / src_w * c)), c);
      scaled[GetBin(kBins, dst_w, new_min, begin)] += put;
      if (put < c) {
        scaled[GetBin(kBins, dst_w, new_min, begin + dst_w)] += c - put;
      }
    }
    hist_ = scaled;
    min_ = new_min;
    max_ = new_max;
  }
  const float width = static_cast<float>((max_ - min_) / kBins);
  const float lo = static_cast<float>(min_);
  const int64_t grain = exec.grain;
  std::vector<std::vector<uint64_t>> parts(engine::NumChunks(n, grain));
  engine::ParallelFor(exec.pool, n, grain, [&](int64_t b, int64_t e) {
    std::vector<uint64_t>& c = parts[b / grain];
    c.assign(kBins, 0);
    for (int64_t i = b; i < e; ++i) {
      if (std::isfinite(x[i])) ++c[GetBin(kBins, width, lo, x[i])];
    }
  });
  // Integer-valued doubles: the adds are exact in any order.
  for (const std::vector<uint64_t>& c : parts) {
    for (size_t i = 0; i < kBins; ++i) hist_[i] += static_cast<double>(c[i]);
  }
  return absl::OkStatus();
}

absl::StatusOr<Encoding> EntropyAnalyzer::ComputeEncoding(
    const GridOptions& options) const {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (!stats_updated_) return NoDataStatus("entropy analyzer");
  const bool strict = options.symmetric && options.strict_symmetric;
  if (IsPassThrough(options.bitwidth)) {
    return ComputeLibpymoEncoding(-1.0, 1.0, options);  // pass-through
  }
  if (hist_.empty()) {
    return LibpymoZeroDataEncoding(options, NumSteps(options.bitwidth, strict));
  }
  double hist_min = min_, hist_max = max_;
  std::vector<double> hist;
  if (options.symmetric && (hist_min < 0.0 || !options.unsigned_symmetric)) {
    const float abs_max =
        static_cast<float>(std::max(std::fabs(hist_max), std::fabs(hist_min)));
    const float abs_min = -abs_max;
    hist = RescaleHistogram(hist_, hist_min, hist_max, abs_min, abs_max);
    hist_min = abs_min;
    hist_max = abs_max;
  } else {
    hist = hist_;
  }
  DRange r{hist_min, hist_max};
  if (options.bitwidth == 8) {
    r = OptimizeKl(hist, hist_min, hist_max,
                   options.symmetric || options.strict_symmetric);
  }
  float lo = static_cast<float>(r.min), hi = static_cast<float>(r.max);
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  return ComputeLibpymoEncoding(lo, hi, options);
}

void EntropyAnalyzer::Reset() {
  hist_.clear();
  min_ = max_ = 0.0;
  stats_updated_ = false;
}

}  // namespace quantsim::quant
