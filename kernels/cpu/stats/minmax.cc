#include "kernels/cpu/stats/minmax.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/stats/stats_dispatch.h"
#include "kernels/cpu/stats/stats_reference.h"

namespace quantsim::kernels {
namespace {

using stats_internal::DispatchStats;
using stats_internal::kMaxLanes;
using stats_internal::MinMaxLanes;

// Runs shorter than this use the column (vertical) reduction.
constexpr int64_t kMinRun = 16;
// Lane counters are int32: process at most this many elements per call.
constexpr int64_t kMaxPiece = int64_t{1} << 30;

// Serial min/max of x[0, n): SIMD body plus scalar tail.
MinMaxResult MinMaxSerial(const float* x, int64_t n, const MinMaxOptions& opt,
                          engine::Isa isa) {
  MinMaxResult r;
  const uint32_t flags =
      (opt.finite_only ? stats_internal::kMinMaxFiniteOnly : 0u) |
      (opt.count_nonfinite ? stats_internal::kMinMaxCount : 0u);
  for (int64_t base = 0; base < n; base += kMaxPiece) {
    const float* p = x + base;
    const int64_t len = std::min(kMaxPiece, n - base);
    MinMaxLanes lanes;
    for (int k = 0; k < kMaxLanes; ++k) {
      lanes.min[k] = INFINITY;
      lanes.max[k] = -INFINITY;
      lanes.num_nan[k] = 0;
      lanes.num_inf[k] = 0;
    }
    const int64_t done = DispatchStats(isa, stats_internal::MinMaxKernel{}, p,
                                       len, flags, &lanes);
    for (int k = 0; k < kMaxLanes; ++k) {
      r.min = MinFold(lanes.min[k], r.min);
      r.max = MaxFold(lanes.max[k], r.max);
      r.num_nan += lanes.num_nan[k];
      r.num_inf += lanes.num_inf[k];
    }
    for (int64_t i = done; i < len; ++i) {
      const float v = p[i];
      if (opt.count_nonfinite) {
        r.num_nan += IsNanF(v);
        r.num_inf += IsInfF(v);
      }
      if (opt.finite_only && !IsFiniteF(v)) continue;
      r.min = MinFold(v, r.min);
      r.max = MaxFold(v, r.max);
    }
  }
  return r;
}

absl::Status PerRunMinMax(const float* x, const QdqLayout& l, float* out_min,
                          float* out_max, const StatsExec& exec) {
  const int64_t piece_len = std::min(l.inner, exec.grain);
  const int64_t per_run = (l.inner + piece_len - 1) / piece_len;
  const int64_t pieces = l.outer * l.axis * per_run;
  std::vector<float> pmin(pieces), pmax(pieces);
  const engine::Isa isa = exec.isa;
  engine::ParallelFor(
      exec.pool, pieces, std::max<int64_t>(1, exec.grain / piece_len),
      [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const int64_t run = p / per_run, s = p % per_run;
          const int64_t len = std::min(piece_len, l.inner - s * piece_len);
          const MinMaxResult r = MinMaxSerial(x + run * l.inner + s * piece_len,
                                              len, MinMaxOptions{}, isa);
          pmin[p] = r.min;
          pmax[p] = r.max;
        }
      });
  for (int64_t p = 0; p < pieces; ++p) {
    const int64_t a = (p / per_run) % l.axis;
    out_min[a] = MinFold(pmin[p], out_min[a]);
    out_max[a] = MaxFold(pmax[p], out_max[a]);
  }
  return absl::OkStatus();
}

void ColumnsSerial(const float* x, int64_t n, float* cmin, float* cmax,
                   engine::Isa isa) {
  const int64_t done = DispatchStats(isa, stats_internal::MinMaxColumnsKernel{},
                                     x, n, cmin, cmax);
  for (int64_t i = done; i < n; ++i) {
    cmin[i] = MinFold(x[i], cmin[i]);
    cmax[i] = MaxFold(x[i], cmax[i]);
  }
}

absl::Status ColumnMinMax(const float* x, const QdqLayout& l, float* out_min,
                          float* out_max, const StatsExec& exec) {
  const int64_t w = l.axis * l.inner;
  std::vector<float> cmin(w, INFINITY), cmax(w, -INFINITY);
  const int64_t grain = std::max<int64_t>(
      4 * kMaxLanes, exec.grain / std::max<int64_t>(1, l.outer));
  engine::ParallelFor(exec.pool, w, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t o = 0; o < l.outer; ++o) {
      ColumnsSerial(x + o * w + c0, c1 - c0, cmin.data() + c0, cmax.data() + c0,
                    exec.isa);
    }
  });
  for (int64_t c = 0; c < w; ++c) {
    const int64_t a = c / l.inner;
    out_min[a] = MinFold(cmin[c], out_min[a]);
    out_max[a] = MaxFold(cmax[c], out_max[a]);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateStatsExec(const StatsExec& exec) {
  if (!engine::IsaSupported(exec.isa)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stats: isa ", engine::IsaName(exec.isa), " is not supported here"));
  }
  if (exec.grain < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("stats: grain must be >= 1, got ", exec.grain));
  }
  return absl::OkStatus();
}

MinMaxResult CombineMinMax(const MinMaxResult& a, const MinMaxResult& b) {
  MinMaxResult r;
  r.min = MinFold(b.min, a.min);
  r.max = MaxFold(b.max, a.max);
  r.num_nan = a.num_nan + b.num_nan;
  r.num_inf = a.num_inf + b.num_inf;
  return r;
}

MinMaxResult MinMax(const float* x, int64_t n, const MinMaxOptions& options,
                    const StatsExec& exec) {
  const int64_t grain = std::max<int64_t>(1, exec.grain);
  const int64_t chunks = engine::NumChunks(n, grain);
  if (chunks <= 1) return MinMaxSerial(x, n, options, exec.isa);
  std::vector<MinMaxResult> part(chunks);
  engine::ParallelFor(exec.pool, n, grain, [&](int64_t b, int64_t e) {
    part[b / grain] = MinMaxSerial(x + b, e - b, options, exec.isa);
  });
  MinMaxResult r;
  for (const MinMaxResult& p : part) r = CombineMinMax(r, p);
  return r;
}

absl::Status MinMaxPerChannel(absl::Span<const float> x,
                              const QdqLayout& layout,
                              absl::Span<float> out_min,
                              absl::Span<float> out_max,
                              const StatsExec& exec) {
  const QdqLayout& l = layout;
  if (l.outer < 0 || l.axis < 1 || l.inner < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("MinMaxPerChannel: bad layout [", l.outer, ", ", l.axis,
                     ", ", l.inner, "]"));
  }
  if (l.block != 1 || l.vary_outer || l.vary_inner) {
    return absl::InvalidArgumentError(
        "MinMaxPerChannel: only plain per-axis layouts (block 1, no "
        "vary_outer/vary_inner) are supported");
  }
  if (static_cast<int64_t>(x.size()) != l.NumElements()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MinMaxPerChannel: input has ", x.size(),
                     " elements, layout needs ", l.NumElements()));
  }
  if (static_cast<int64_t>(out_min.size()) != l.axis ||
      static_cast<int64_t>(out_max.size()) != l.axis) {
    return absl::InvalidArgumentError(
        absl::StrCat("MinMaxPerChannel: outputs have ", out_min.size(), " and ",
                     out_max.size(), " entries, need ", l.axis));
  }
  if (absl::Status s = ValidateStatsExec(exec); !s.ok()) return s;
  std::fill(out_min.begin(), out_min.end(), INFINITY);
  std::fill(out_max.begin(), out_max.end(), -INFINITY);
  if (x.empty()) return absl::OkStatus();
  if (l.inner >= kMinRun) {
    return PerRunMinMax(x.data(), l, out_min.data(), out_max.data(), exec);
  }
  return ColumnMinMax(x.data(), l, out_min.data(), out_max.data(), exec);
}

}  // namespace quantsim::kernels
