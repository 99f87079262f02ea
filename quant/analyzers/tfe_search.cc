#include "quant/analyzers/tfe_search.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace quantsim::quant {
namespace {

constexpr int kBuckets = kernels::PdfHistogram512::kNumBuckets;
constexpr float kGamma = 3.0f;

// libpymo: `acc += pdf * pow(diff, 2)` with a float accumulator, a double
// pdf and a float diff: pow promotes to double, where the square of a float
// is exact; the sum is rounded to double, then to float.
inline float AccumulateSquare(float acc, double p, float diff) {
  const double d = static_cast<double>(diff);
  return static_cast<float>(static_cast<double>(acc) + p * (d * d));
}

// (int) std::floor(v) clamped to [0, 511]. libpymo converts before clamping
// (undefined for NaN / out-of-int values; x86 gives INT_MIN -> 0); we clamp
// in float first, which agrees for every value in int range.
inline int BucketIndex(float v) {
  const float f = std::floor(v);
  if (!(f >= 0.0f)) return 0;
  if (f >= static_cast<float>(kBuckets - 1)) return kBuckets - 1;
  return static_cast<int>(f);
}

}  // namespace

FloatRange AggregateRange(const kernels::PdfHistogram512& hist) {
  const std::vector<double>& x_left = hist.x_left();
  const std::vector<double>& pdf = hist.pdf();
  float min_val = static_cast<float>(x_left[0]);
  float max_val = static_cast<float>(x_left[kBuckets - 1]);
  for (int i = 0; i < kBuckets; ++i) {
    if (pdf[i] > 0) {
      min_val = static_cast<float>(x_left[i]);
      break;
    }
  }
  for (int i = kBuckets - 1; i > 0; --i) {
    if (pdf[i] > 0) {
      max_val = static_cast<float>(x_left[i]);
      break;
    }
  }
  min_val = std::min(min_val, 0.0f);
  max_val = std::max(max_val, 0.0f);
  max_val = std::max(max_val, min_val + static_cast<float>(0.01));
  return {min_val, max_val};
}

std::vector<TfeCandidate> TfeAsymmetricCandidates(float min_val, float max_val,
                                                  float num_steps_f) {
  std::vector<TfeCandidate> out;
  out.reserve(17 * 21 + 1);
  const double num_steps = num_steps_f;
  // Observed delta from the double difference, stored as float.
  const float observed_delta = static_cast<float>(
      (static_cast<double>(max_val) - static_cast<double>(min_val)) /
      num_steps);
  const int observed_offset =
      static_cast<int>(std::round(min_val / observed_delta));
  const float observed_min =
      observed_delta * static_cast<float>(observed_offset);
  const float observed_max = observed_min + observed_delta * num_steps_f;
  for (int k = 1; k <= 17; ++k) {
    const float f = k / 16.0f;
    for (int i = 0; i <= 20; ++i) {
      float delta = f * observed_delta;
      int offset = static_cast<int>(-num_steps + num_steps / 20.0 * i);
      float test_min = delta * static_cast<float>(offset);
      float test_max =
          static_cast<float>(test_min + static_cast<double>(delta) * num_steps);
      if (test_min < observed_min && test_max > observed_max) continue;
      test_min = std::max(observed_min, test_min);
      test_max = std::min(observed_max, test_max);
      if (!(test_min < test_max)) continue;  // empty intersection
      delta = static_cast<float>((test_max - test_min) / num_steps);
      offset = static_cast<int>(std::round(test_min / delta));
      out.push_back({delta, offset});
    }
  }
  out.push_back({observed_delta, observed_offset});
  return out;
}

std::vector<TfeCandidate> TfeSymmetricCandidates(float min_val, float max_val,
                                                 float num_steps,
                                                 bool unsigned_symmetric) {
  float delta_max;
  int offset;
  if (min_val == 0.0f && unsigned_symmetric) {
    delta_max = max_val / num_steps;
    offset = 0;
  } else {
    const float absolute_max = std::max(std::fabs(max_val), std::fabs(min_val));
    delta_max = (2 * absolute_max) / num_steps;
    offset = static_cast<int>(std::floor(-num_steps / 2));
  }
  std::vector<TfeCandidate> out;
  out.reserve(101);
  // libpymo: for (float f = 1.0 / 100; f <= 1 + 1.0 / 100; f += 1.0 / 100):
  // the compare and the increment happen in double, f is stored as float.
  for (float f = static_cast<float>(1.0 / 100);
       static_cast<double>(f) <= 1 + 1.0 / 100;
       f = static_cast<float>(static_cast<double>(f) + 1.0 / 100)) {
    out.push_back({f * delta_max, offset});
  }
  return out;
}

TfeCostModel::TfeCostModel(const kernels::PdfHistogram512& hist)
    : pdf_(hist.pdf().data()),
      start_(static_cast<float>(hist.x_left()[0])),
      step_(static_cast<float>(hist.x_left()[1] - hist.x_left()[0])),
      mid_(kBuckets) {
  for (int i = 0; i < kBuckets; ++i) {
    mid_[i] = start_ + static_cast<float>(i) * step_ + step_ / 2;
  }
  for (int i = 0; i < kBuckets; ++i) {
    if (pdf_[i] != 0.0) {
      if (last_nz_ < 0) first_nz_ = i;
      last_nz_ = i;
    }
  }
}

float TfeCostModel::Cost(int bitwidth, TfeCandidate c) const {
  const float delta = c.delta;
  const int offset = c.offset;
  const float min_val = delta * static_cast<float>(offset);
  const float step_size = static_cast<float>(std::pow(2.0, bitwidth) - 1);
  const float max_val = delta * step_size + min_val;
  const int min_ind = BucketIndex((min_val - start_) / step_);
  const int max_ind = BucketIndex((max_val - start_) / step_);

  float sat_bottom = 0;
  const float min_mid = mid_[min_ind];
  for (int i = first_nz_, e = std::min(min_ind, last_nz_ + 1); i < e; ++i) {
    sat_bottom = AccumulateSquare(sat_bottom, pdf_[i], mid_[i] - min_mid);
  }
  float sat_top = 0;
  const float max_mid = mid_[max_ind];
  for (int i = std::max(max_ind, first_nz_); i <= last_nz_; ++i) {
    sat_top = AccumulateSquare(sat_top, pdf_[i], mid_[i] - max_mid);
  }
  float quant = 0;
  const float offset_f = static_cast<float>(offset);
  for (int i = std::max(min_ind, first_nz_),
           e = std::min(max_ind, last_nz_ + 1);
       i < e; ++i) {
    const float v = mid_[i];
    const int q = static_cast<int>(std::round(v / delta - offset_f));
    const float dq = delta * static_cast<float>(q + offset);
    quant = AccumulateSquare(quant, pdf_[i], v - dq);
  }
  return kGamma * (sat_bottom + sat_top) + quant;
}

int64_t TfeCostModel::Best(int bitwidth,
                           const std::vector<TfeCandidate>& candidates,
                           engine::ThreadPool* pool) const {
  const int64_t n = static_cast<int64_t>(candidates.size());
  std::vector<float> costs(n);
  // ~40 candidates per task: a few microseconds of work each.
  engine::ParallelFor(pool, n, 40, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      costs[k] = Cost(bitwidth, candidates[k]);
    }
  });
  int64_t best = -1;
  float best_cost = FLT_MAX;
  for (int64_t k = 0; k < n; ++k) {
    if (costs[k] < best_cost) {
      best_cost = costs[k];
      best = k;
    }
  }
  return best;
}

}  // namespace quantsim::quant
