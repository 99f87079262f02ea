// quantsim kernels: scalar reference of the calibration statistics kernels.
//
// This header is the numerics contract of kernels/cpu/stats: the SIMD bodies
// (stats_kernel_impl.h) perform the same IEEE float operations in the same
// order, and tests compare every arch with these functions. Include it only
// from baseline-ISA translation units (never from stats_<arch>.cc).
//
// Min/max: NaN is ignored; +-inf is a value like any other; -0 orders below
// +0 (so min(+0, -0) = -0 and max(+0, -0) = +0). With these rules min and max
// are associative and commutative, so the result does not depend on how the
// input is split into SIMD lanes, chunks or threads.
//
// Bucket rules (index num_buckets means "dropped"):
//  RoundedBucketIndex (AIMET v1 / libpymo GetHistogram_cpu, float math):
//      r = roundf(x / width - offset), kept iff 0 <= r < num_buckets.
//  LinearBinIndex (torch.histc CPU, float math, plus AIMET v2's rule that
//      values outside [lo, hi] land in the first / last bin):
//      NaN dropped; x < lo -> 0; x > hi -> num_bins - 1;
//      else min(trunc(((x - lo) * num_bins) / (hi - lo)), num_bins - 1).
#ifndef QUANTSIM_KERNELS_CPU_STATS_STATS_REFERENCE_H_
#define QUANTSIM_KERNELS_CPU_STATS_STATS_REFERENCE_H_

#include <stdint.h>
#include <string.h>

#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels {

inline uint32_t FloatBits(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof(b));
  return b;
}
inline float BitsFloat(uint32_t b) {
  float v;
  memcpy(&v, &b, sizeof(v));
  return v;
}

// Folds x into a running minimum acc (acc is never NaN).
inline float MinFold(float x, float acc) {
  if (x < acc) return x;
  if (x == acc) return BitsFloat(FloatBits(x) | FloatBits(acc));  // -0 wins
  return acc;
}

// Folds x into a running maximum acc (acc is never NaN).
inline float MaxFold(float x, float acc) {
  if (x > acc) return x;
  if (x == acc) return BitsFloat(FloatBits(x) & FloatBits(acc));  // +0 wins
  return acc;
}

inline bool IsNanF(float x) { return x != x; }
inline bool IsInfF(float x) { return fabsf(x) == INFINITY; }
inline bool IsFiniteF(float x) { return fabsf(x) < INFINITY; }

inline int32_t RoundedBucketIndex(float x, float width, float offset,
                                  int32_t num_buckets) {
  const float r = RoundHalfAway(x / width - offset);
  return (r >= 0.0f && r < static_cast<float>(num_buckets))
             ? static_cast<int32_t>(r)
             : num_buckets;
}

inline int32_t LinearBinIndex(float x, float lo, float hi, int32_t num_bins) {
  if (IsNanF(x)) return num_bins;
  if (x < lo) return 0;
  if (x > hi) return num_bins - 1;
  const float last = static_cast<float>(num_bins - 1);
  const float t = ((x - lo) * static_cast<float>(num_bins)) / (hi - lo);
  return t < last ? static_cast<int32_t>(t) : num_bins - 1;
}

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_STATS_STATS_REFERENCE_H_
