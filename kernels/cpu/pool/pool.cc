#include "kernels/cpu/pool/pool.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace quantsim::kernels {
namespace {

// Spatial geometry padded to 3 dims (missing leading dims have size 1).
struct Geo {
  int64_t in[3], out[3], k[3], s[3], pb[3], pe[3], d[3];
  int64_t planes, in_size, out_size;
};

int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe,
                int64_t d, bool ceil_mode) {
  const int64_t span = in + pb + pe - ((k - 1) * d + 1);
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

Geo MakeGeo(const Dims& x, const PoolParams& p) {
  Geo g;
  const int r = p.spatial_rank, off = 3 - r;
  for (int i = 0; i < 3; ++i) {
    const int j = i - off;
    const bool real = j >= 0;
    g.in[i] = real ? x.d[2 + j] : 1;
    g.k[i] = real ? p.kernel[j] : 1;
    g.s[i] = real ? p.stride[j] : 1;
    g.pb[i] = real ? p.pad_begin[j] : 0;
    g.pe[i] = real ? p.pad_end[j] : 0;
    g.d[i] = real ? p.dilation[j] : 1;
    g.out[i] =
        OutSize(g.in[i], g.k[i], g.s[i], g.pb[i], g.pe[i], g.d[i], p.ceil_mode);
  }
  g.planes = x.d[0] * x.d[1];
  g.in_size = g.in[0] * g.in[1] * g.in[2];
  g.out_size = g.out[0] * g.out[1] * g.out[2];
  return g;
}

int64_t PlaneGrain(const Geo& g) {
  return std::max<int64_t>(
      1, (int64_t{1} << 14) / std::max<int64_t>(1, g.in_size));
}

// fn(out_flat, tap_flat_or_-1_if_padding, inside_padded_input) for every
// window tap of every output position of one plane, in order.
template <typename Fn>
void ForEachTap(const Geo& g, Fn&& fn) {
  int64_t o = 0;
  for (int64_t a = 0; a < g.out[0]; ++a)
    for (int64_t b = 0; b < g.out[1]; ++b)
      for (int64_t c = 0; c < g.out[2]; ++c, ++o) {
        const int64_t st[3] = {a * g.s[0] - g.pb[0], b * g.s[1] - g.pb[1],
                               c * g.s[2] - g.pb[2]};
        for (int64_t i = 0; i < g.k[0]; ++i) {
          const int64_t p0 = st[0] + i * g.d[0];
          for (int64_t j = 0; j < g.k[1]; ++j) {
            const int64_t p1 = st[1] + j * g.d[1];
            for (int64_t l = 0; l < g.k[2]; ++l) {
              const int64_t p2 = st[2] + l * g.d[2];
              const int64_t pos[3] = {p0, p1, p2};
              bool in = true, in_pad = true;
              for (int t = 0; t < 3; ++t) {
                in &= pos[t] >= 0 && pos[t] < g.in[t];
                in_pad &= pos[t] < g.in[t] + g.pe[t];
              }
              fn(o, in ? (p0 * g.in[1] + p1) * g.in[2] + p2 : -1, in_pad);
            }
          }
        }
      }
}

// Per dim and output index, the window taps [lo, hi) that fall inside the
// input (taps in padding contribute nothing to max / sum), so forward walks
// only valid taps, in the same row-major window order as ForEachTap: the
// same float operations in the same order, bit-identical results.
struct TapRanges {
  std::vector<int64_t> lo[3], hi[3];
};

TapRanges MakeTapRanges(const Geo& g) {
  TapRanges r;
  for (int t = 0; t < 3; ++t) {
    r.lo[t].resize(g.out[t]);
    r.hi[t].resize(g.out[t]);
    for (int64_t o = 0; o < g.out[t]; ++o) {
      const int64_t st = o * g.s[t] - g.pb[t];
      int64_t lo = 0, hi = g.k[t];
      while (lo < hi && st + lo * g.d[t] < 0) ++lo;
      while (hi > lo && st + (hi - 1) * g.d[t] >= g.in[t]) --hi;
      r.lo[t][o] = lo;
      r.hi[t][o] = hi;
    }
  }
  return r;
}

// fn(out_flat, first_tap_offset) once per output, then tap(t) for every
// valid tap in window order; finish(out_flat) after the last tap.
template <typename Begin, typename Tap, typename End>
void ForEachValidTap(const Geo& g, const TapRanges& r, Begin&& begin, Tap&& tap,
                     End&& end) {
  int64_t o = 0;
  for (int64_t a = 0; a < g.out[0]; ++a) {
    const int64_t s0 = a * g.s[0] - g.pb[0];
    for (int64_t b = 0; b < g.out[1]; ++b) {
      const int64_t s1 = b * g.s[1] - g.pb[1];
      for (int64_t c = 0; c < g.out[2]; ++c, ++o) {
        const int64_t s2 = c * g.s[2] - g.pb[2];
        begin(o);
        const int64_t l2 = r.lo[2][c], h2 = r.hi[2][c];
        for (int64_t i = r.lo[0][a]; i < r.hi[0][a]; ++i) {
          const int64_t p0 = (s0 + i * g.d[0]) * g.in[1];
          for (int64_t j = r.lo[1][b]; j < r.hi[1][b]; ++j) {
            const int64_t row = (p0 + s1 + j * g.d[1]) * g.in[2] + s2;
            if (g.d[2] == 1) {
              for (int64_t l = l2; l < h2; ++l) tap(row + l);
            } else {
              for (int64_t l = l2; l < h2; ++l) tap(row + l * g.d[2]);
            }
          }
        }
        end(o);
      }
    }
  }
}

// The forward max step, branch-free: keep the first NaN, else take v when
// it is larger or NaN (== the indexed walk's "first maximum, NaN wins").
inline float MaxStep(float best, float v) {
  const bool take = best == best && (v > best || v != v);
  return take ? v : best;
}

#if defined(__SSE2__)
// The same step on 4 lanes (SSE2 is the x86-64 baseline).
inline __m128 MaxStep4(__m128 best, __m128 v) {
  const __m128 take =
      _mm_andnot_ps(_mm_cmpunord_ps(best, best),
                    _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v)));
  return _mm_or_ps(_mm_and_ps(take, v), _mm_andnot_ps(take, best));
}

// 4 values p[0], p[s], p[2s], p[3s]; reads p[0 .. 3s + (s == 2)].
inline __m128 Load4(const float* p, int64_t s) {
  if (s == 1) return _mm_loadu_ps(p);
  if (s == 2) {
    return _mm_shuffle_ps(_mm_loadu_ps(p), _mm_loadu_ps(p + 4),
                          _MM_SHUFFLE(2, 0, 2, 0));
  }
  return _mm_setr_ps(p[0], p[s], p[2 * s], p[3 * s]);
}
#endif

// MaxPool without indices, one plane: for each output row, the columns
// whose window lies inside the input along the last dim run 4 at a time,
// taps in the same window order as ForEachValidTap (so bit-identical);
// the other columns take the per-output walk.
void MaxPoolPlaneNoIndex(const Geo& g, const TapRanges& r, const float* xp,
                         float* yp) {
  const int64_t k2 = g.k[2], s2 = g.s[2], d2 = g.d[2], w_in = g.in[2];
  const float neg_inf = -std::numeric_limits<float>::infinity();
  // Vector columns [v_lo, v_hi): full window in dim 2, and the 4-lane loads
  // (up to 3 s2 + (s2 == 2) past the first lane's tap) stay in the row.
  int64_t v_lo = 0, v_hi = 0;
#if defined(__SSE2__)
  if (d2 == 1) {
    const int64_t extra = 3 * s2 + (s2 == 2 ? 1 : 0);
    v_lo = std::min<int64_t>((g.pb[2] + s2 - 1) / s2, g.out[2]);
    v_hi = v_lo;
    while (v_hi + 4 <= g.out[2] &&
           v_hi * s2 - g.pb[2] + (k2 - 1) + extra < w_in) {
      v_hi += 4;
    }
  }
#endif
  for (int64_t a = 0; a < g.out[0]; ++a) {
    const int64_t st0 = a * g.s[0] - g.pb[0];
    for (int64_t b = 0; b < g.out[1]; ++b) {
      const int64_t st1 = b * g.s[1] - g.pb[1];
      float* yrow = yp + (a * g.out[1] + b) * g.out[2];
      auto scalar_col = [&](int64_t c) {
        const int64_t st2 = c * s2 - g.pb[2];
        float best = neg_inf;
        for (int64_t i = r.lo[0][a]; i < r.hi[0][a]; ++i) {
          const int64_t p0 = (st0 + i * g.d[0]) * g.in[1];
          for (int64_t j = r.lo[1][b]; j < r.hi[1][b]; ++j) {
            const float* row = xp + (p0 + st1 + j * g.d[1]) * w_in + st2;
            for (int64_t l = r.lo[2][c]; l < r.hi[2][c]; ++l) {
              best = MaxStep(best, row[l * d2]);
            }
          }
        }
        yrow[c] = best;
      };
      for (int64_t c = 0; c < v_lo; ++c) scalar_col(c);
#if defined(__SSE2__)
      constexpr int64_t kChunk = 64;  // outputs kept in registers / L1
      for (int64_t c0 = v_lo; c0 < v_hi; c0 += kChunk) {
        const int64_t n4 = std::min<int64_t>(kChunk, v_hi - c0) / 4;
        __m128 best[kChunk / 4];
        for (int64_t q = 0; q < n4; ++q) best[q] = _mm_set1_ps(neg_inf);
        for (int64_t i = r.lo[0][a]; i < r.hi[0][a]; ++i) {
          const int64_t p0 = (st0 + i * g.d[0]) * g.in[1];
          for (int64_t j = r.lo[1][b]; j < r.hi[1][b]; ++j) {
            const float* row =
                xp + (p0 + st1 + j * g.d[1]) * w_in + c0 * s2 - g.pb[2];
            for (int64_t l = 0; l < k2; ++l) {
              for (int64_t q = 0; q < n4; ++q) {
                best[q] = MaxStep4(best[q], Load4(row + 4 * q * s2 + l, s2));
              }
            }
          }
        }
        for (int64_t q = 0; q < n4; ++q)
          _mm_storeu_ps(yrow + c0 + 4 * q, best[q]);
      }
#endif
      for (int64_t c = v_hi; c < g.out[2]; ++c) scalar_col(c);
    }
  }
}

}  // namespace

absl::StatusOr<Dims> PoolOutputDims(const Dims& x, const PoolParams& p) {
  if (p.spatial_rank < 1 || p.spatial_rank > 3 ||
      x.rank != p.spatial_rank + 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool: input rank ", x.rank,
                     " does not match spatial rank ", p.spatial_rank, " + 2"));
  }
  Dims y = x;
  for (int i = 0; i < x.rank; ++i) {
    if (x.d[i] < 1) return absl::InvalidArgumentError("pool: empty input dim");
  }
  for (int i = 0; i < p.spatial_rank; ++i) {
    if (p.kernel[i] < 1 || p.stride[i] < 1 || p.dilation[i] < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pool: kernel/stride/dilation must be >= 1 (dim ", i, ")"));
    }
    const int64_t extent = (p.kernel[i] - 1) * p.dilation[i] + 1;
    if (p.pad_begin[i] < 0 || p.pad_end[i] < 0 || p.pad_begin[i] >= extent ||
        p.pad_end[i] >= extent) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pool: pads (", p.pad_begin[i], ", ", p.pad_end[i],
          ") must be in [0, dilated kernel ", extent, ") (dim ", i, ")"));
    }
    y.d[2 + i] = OutSize(x.d[2 + i], p.kernel[i], p.stride[i], p.pad_begin[i],
                         p.pad_end[i], p.dilation[i], p.ceil_mode);
    if (y.d[2 + i] < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("pool: kernel larger than padded input (dim ", i, ")"));
    }
  }
  return y;
}

void MaxPoolForward(const float* x, const Dims& x_dims, const PoolParams& p,
                    float* y, int64_t* indices, engine::ThreadPool* pool) {
  const Geo g = MakeGeo(x_dims, p);
  const TapRanges r = MakeTapRanges(g);
  if (indices == nullptr) {
    engine::ParallelFor(
        pool, g.planes, PlaneGrain(g), [&](int64_t lo, int64_t hi) {
          for (int64_t pl = lo; pl < hi; ++pl) {
            MaxPoolPlaneNoIndex(g, r, x + pl * g.in_size, y + pl * g.out_size);
          }
        });
    return;
  }
  engine::ParallelFor(
      pool, g.planes, PlaneGrain(g), [&](int64_t lo, int64_t hi) {
        for (int64_t pl = lo; pl < hi; ++pl) {
          const float* xp = x + pl * g.in_size;
          float* yp = y + pl * g.out_size;
          int64_t* ip = indices ? indices + pl * g.out_size : nullptr;
          float best = 0;
          int64_t arg = -1;
          ForEachValidTap(
              g, r,
              [&](int64_t) {
                best = -std::numeric_limits<float>::infinity();
                arg = -1;
              },
              [&](int64_t t) {
                const float v = xp[t];
                if (arg < 0 || (best == best && (v > best || v != v))) {
                  best = v;
                  arg = t;
                }
              },
              [&](int64_t o) {
                yp[o] = best;
                if (ip) ip[o] = arg;
              });
        }
      });
}

void MaxPoolBackward(const float* dy, const int64_t* indices,
                     const Dims& y_dims, const Dims& x_dims, float* dx,
                     engine::ThreadPool* pool) {
  int64_t in_size = 1, out_size = 1;
  for (int i = 2; i < x_dims.rank; ++i) in_size *= x_dims.d[i];
  for (int i = 2; i < y_dims.rank; ++i) out_size *= y_dims.d[i];
  const int64_t planes = x_dims.d[0] * x_dims.d[1];
  engine::ParallelFor(pool, planes,
                      std::max<int64_t>(1, (int64_t{1} << 14) / in_size),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          float* dp = dx + pl * in_size;
                          std::fill(dp, dp + in_size, 0.0f);
                          for (int64_t o = 0; o < out_size; ++o) {
                            const int64_t t = indices[pl * out_size + o];
                            if (t >= 0) dp[t] += dy[pl * out_size + o];
                          }
                        }
                      });
}

namespace {
// Divisors of every output position of a plane.
std::vector<float> AvgCounts(const Geo& g, bool include_pad) {
  std::vector<float> cnt(g.out_size, 0.0f);
  ForEachTap(g, [&](int64_t o, int64_t t, bool in_pad) {
    if (include_pad ? in_pad : t >= 0) cnt[o] += 1.0f;
  });
  return cnt;
}
}  // namespace

void AveragePoolForward(const float* x, const Dims& x_dims, const PoolParams& p,
                        float* y, engine::ThreadPool* pool) {
  const Geo g = MakeGeo(x_dims, p);
  const TapRanges r = MakeTapRanges(g);
  const std::vector<float> cnt = AvgCounts(g, p.count_include_pad);
  engine::ParallelFor(pool, g.planes, PlaneGrain(g),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          const float* xp = x + pl * g.in_size;
                          float* yp = y + pl * g.out_size;
                          float sum = 0.0f;
                          ForEachValidTap(
                              g, r, [&](int64_t) { sum = 0.0f; },
                              [&](int64_t t) { sum += xp[t]; },
                              [&](int64_t o) { yp[o] = sum / cnt[o]; });
                        }
                      });
}

void AveragePoolBackward(const float* dy, const Dims& x_dims,
                         const PoolParams& p, float* dx,
                         engine::ThreadPool* pool) {
  const Geo g = MakeGeo(x_dims, p);
  const std::vector<float> cnt = AvgCounts(g, p.count_include_pad);
  engine::ParallelFor(pool, g.planes, PlaneGrain(g),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          const float* gp = dy + pl * g.out_size;
                          float* dp = dx + pl * g.in_size;
                          std::fill(dp, dp + g.in_size, 0.0f);
                          ForEachTap(g, [&](int64_t o, int64_t t, bool) {
                            if (t >= 0) dp[t] += gp[o] / cnt[o];
                          });
                        }
                      });
}

void GlobalAveragePoolForward(const float* x, int64_t planes, int64_t S,
                              float* y, engine::ThreadPool* pool) {
  engine::ParallelFor(pool, planes, std::max<int64_t>(1, 16384 / S),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          double s = 0;
                          for (int64_t i = 0; i < S; ++i) s += x[pl * S + i];
                          y[pl] = static_cast<float>(s / double(S));
                        }
                      });
}

void GlobalAveragePoolBackward(const float* dy, int64_t planes, int64_t S,
                               float* dx, engine::ThreadPool* pool) {
  engine::ParallelFor(pool, planes, std::max<int64_t>(1, 16384 / S),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          const float g = dy[pl] / static_cast<float>(S);
                          std::fill(dx + pl * S, dx + (pl + 1) * S, g);
                        }
                      });
}

void GlobalMaxPoolForward(const float* x, int64_t planes, int64_t S, float* y,
                          int64_t* indices, engine::ThreadPool* pool) {
  engine::ParallelFor(pool, planes, std::max<int64_t>(1, 16384 / S),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          const float* xp = x + pl * S;
                          float best = xp[0];
                          int64_t arg = 0;
                          for (int64_t i = 1; i < S && best == best; ++i) {
                            if (xp[i] > best || xp[i] != xp[i]) {
                              best = xp[i];
                              arg = i;
                            }
                          }
                          y[pl] = best;
                          if (indices) indices[pl] = arg;
                        }
                      });
}

void GlobalMaxPoolBackward(const float* dy, const int64_t* indices,
                           int64_t planes, int64_t S, float* dx,
                           engine::ThreadPool* pool) {
  engine::ParallelFor(pool, planes, std::max<int64_t>(1, 16384 / S),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t pl = lo; pl < hi; ++pl) {
                          std::fill(dx + pl * S, dx + (pl + 1) * S, 0.0f);
                          dx[pl * S + indices[pl]] = dy[pl];
                        }
                      });
}

}  // namespace quantsim::kernels
