// quantsim kernels (internal): numpy broadcast iteration reduced to
// contiguous inner runs. Header-only, baseline TUs.
//
// MakeBroadcastPlan right-aligns a and b to y's rank, drops dims of size 1,
// and merges adjacent dims whenever both inputs stay linear across them, so
// the innermost plan dim is one run in which each input has step 0 (a
// broadcast scalar) or 1 (contiguous). ForEachRun walks output positions
// [begin, end) run by run.
#ifndef QUANTSIM_KERNELS_CPU_BINARY_BROADCAST_H_
#define QUANTSIM_KERNELS_CPU_BINARY_BROADCAST_H_

#include <stdint.h>

#include <algorithm>

#include "kernels/cpu/binary/dims.h"

namespace quantsim::kernels::internal {

struct BroadcastPlan {
  int rank = 1;  // >= 1
  int64_t d[kMaxRank] = {1};
  int64_t sa[kMaxRank] = {0};
  int64_t sb[kMaxRank] = {0};
};

// Strides of `x` right-aligned to rank `r`, 0 on broadcast dims.
inline void AlignedStrides(const Dims& x, int r, int64_t* s) {
  int64_t st = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int j = i - (r - x.rank);
    const int64_t dim = j >= 0 ? x.d[j] : 1;
    s[i] = dim == 1 ? 0 : st;
    st *= dim;
  }
}

inline BroadcastPlan MakeBroadcastPlan(const Dims& a, const Dims& b,
                                       const Dims& y) {
  int64_t sa[kMaxRank], sb[kMaxRank];
  AlignedStrides(a, y.rank, sa);
  AlignedStrides(b, y.rank, sb);
  BroadcastPlan p;
  int n = 0;  // plan dims collected innermost first
  int64_t d[kMaxRank], pa[kMaxRank], pb[kMaxRank];
  for (int i = y.rank - 1; i >= 0; --i) {
    if (y.d[i] == 1) continue;
    if (n > 0 && sa[i] == pa[n - 1] * d[n - 1] &&
        sb[i] == pb[n - 1] * d[n - 1]) {
      d[n - 1] *= y.d[i];
      continue;
    }
    d[n] = y.d[i];
    pa[n] = sa[i];
    pb[n] = sb[i];
    ++n;
  }
  if (n == 0) return p;  // a single element
  p.rank = n;
  for (int k = 0; k < n; ++k) {
    p.d[k] = d[n - 1 - k];
    p.sa[k] = pa[n - 1 - k];
    p.sb[k] = pb[n - 1 - k];
  }
  return p;
}

// fn(y_pos, a_off, b_off, len): a run of `len` outputs from y_pos whose
// inputs are a[a_off + k * sa_in], b[b_off + k * sb_in].
template <typename Fn>
void ForEachRun(const BroadcastPlan& p, int64_t begin, int64_t end, Fn&& fn) {
  const int r = p.rank;
  const int64_t len_in = p.d[r - 1];
  int64_t row = begin / len_in, col = begin % len_in;
  int64_t idx[kMaxRank] = {};
  int64_t oa = 0, ob = 0;
  for (int i = r - 2; i >= 0; --i) {
    idx[i] = row % p.d[i];
    row /= p.d[i];
    oa += idx[i] * p.sa[i];
    ob += idx[i] * p.sb[i];
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = std::min(len_in - col, end - pos);
    fn(pos, oa + col * p.sa[r - 1], ob + col * p.sb[r - 1], len);
    pos += len;
    col = 0;
    for (int i = r - 2; i >= 0; --i) {  // odometer over outer dims
      oa += p.sa[i];
      ob += p.sb[i];
      if (++idx[i] < p.d[i]) break;
      oa -= p.sa[i] * p.d[i];
      ob -= p.sb[i] * p.d[i];
      idx[i] = 0;
    }
  }
}

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_BINARY_BROADCAST_H_
