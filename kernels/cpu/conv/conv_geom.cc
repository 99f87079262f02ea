// ConvGeom, im2col and col2im (baseline ISA).
#include "kernels/cpu/conv/conv_geom.h"

#include <string.h>

#include <algorithm>

namespace quantsim::kernels::internal {

ConvGeom::ConvGeom(const ConvShape& sh) {
  const int off = 3 - sh.rank;
  for (int i = 0; i < 3; ++i) {
    if (i < off) {
      in[i] = k[i] = s[i] = d[i] = out[i] = 1;
      p[i] = 0;
      continue;
    }
    const int j = i - off;
    in[i] = sh.in_size[j];
    k[i] = sh.kernel[j];
    s[i] = sh.stride[j];
    d[i] = sh.dilation[j];
    p[i] = sh.pad_begin[j];
    out[i] = sh.OutSize(j);
  }
  in_pos = in[0] * in[1] * in[2];
  out_pos = out[0] * out[1] * out[2];
  taps = k[0] * k[1] * k[2];
}

bool ConvGeom::IsPointwise() const {
  for (int i = 0; i < 3; ++i) {
    if (k[i] != 1 || s[i] != 1 || p[i] != 0 || out[i] != in[i]) return false;
  }
  return true;
}

namespace {

// Calls fn(dst_offset_in_row, src_offset_or_-1 per output x range) for one
// (channel, tap) row: for each (od, oh) a run of out[2] outputs.
template <class Fn>
void ForEachRun(const ConvGeom& g, int64_t t, Fn fn) {
  const int64_t kw = t % g.k[2], kh = (t / g.k[2]) % g.k[1],
                kd = t / (g.k[2] * g.k[1]);
  for (int64_t od = 0; od < g.out[0]; ++od) {
    const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
      const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      const int64_t q0 = (od * g.out[1] + oh) * g.out[2];
      const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
      // First input column of this row; output ow reads iw0 + ow * s.
      const int64_t iw0 = kw * g.d[2] - g.p[2];
      fn(q0, inside ? (id * g.in[1] + ih) * g.in[2] : int64_t{-1}, iw0);
    }
  }
}

}  // namespace

void Im2Col(const ConvGeom& g, const float* x, int64_t channels, float* col,
            engine::ThreadPool* pool) {
  const int64_t rows = channels * g.taps;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / g.out_pos);
  engine::ParallelFor(pool, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xc = x + (r / g.taps) * g.in_pos;
      float* dst = col + r * g.out_pos;
      const int64_t sw = g.s[2], w_in = g.in[2], w_out = g.out[2];
      ForEachRun(g, r % g.taps, [&](int64_t q0, int64_t src, int64_t iw0) {
        float* o = dst + q0;
        if (src < 0) {
          memset(o, 0, sizeof(float) * w_out);
          return;
        }
        GatherRow(xc + src, w_in, iw0, sw, w_out, o);
      });
    }
  });
}

void Im2ColPanels(const ConvGeom& g, const float* x, int64_t k0, int64_t kb,
                  int64_t n0, int64_t nb, int nr, float* dst) {
  const int64_t w_out = g.out[2], sw = g.s[2], w_in = g.in[2];
  const int64_t panels = (nb + nr - 1) / nr;
  const int64_t tail = panels * nr - nb;
  // Output position n0 as (od, oh, ow); the walks below only increment
  // (no divisions per piece).
  const int64_t row0 = n0 / w_out, ow0 = n0 - row0 * w_out;
  const int64_t oh0 = row0 % g.out[1], od0 = row0 / g.out[1];
  // Row k0 as (channel, kd, kh, kw).
  int64_t ch = k0 / g.taps, t = k0 % g.taps;
  int64_t kw = t % g.k[2], kh = (t / g.k[2]) % g.k[1],
          kd = t / (g.k[2] * g.k[1]);
  for (int64_t kk = 0; kk < kb; ++kk) {
    const float* xc = x + ch * g.in_pos;
    const int64_t iw0 = kw * g.d[2] - g.p[2];
    float* panel = dst + kk * nr;
    int64_t lane = 0, od = od0, oh = oh0, ow = ow0;
    for (int64_t j = 0; j < nb;) {
      const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
      const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
      const float* src = xc + (id * g.in[1] + ih) * w_in;
      // The rest of this output row, piece by piece across panels.
      int64_t row_left = std::min(w_out - ow, nb - j);
      while (row_left > 0) {
        const int64_t len = std::min<int64_t>(row_left, nr - lane);
        float* o = panel + lane;
        if (inside) {
          GatherRow(src, w_in, iw0 + ow * sw, sw, len, o);
        } else {
          memset(o, 0, sizeof(float) * len);
        }
        j += len;
        ow += len;
        row_left -= len;
        lane += len;
        if (lane == nr) {
          lane = 0;
          panel += nr * kb;
        }
      }
      if (ow == w_out) {
        ow = 0;
        if (++oh == g.out[1]) {
          oh = 0;
          ++od;
        }
      }
    }
    if (tail > 0) memset(panel + lane, 0, sizeof(float) * tail);
    // Next row of the im2col matrix: kw fastest, then kh, kd, channel.
    if (++kw == g.k[2]) {
      kw = 0;
      if (++kh == g.k[1]) {
        kh = 0;
        if (++kd == g.k[0]) {
          kd = 0;
          ++ch;
        }
      }
    }
  }
}

void Col2ImAdd(const ConvGeom& g, const float* col, int64_t channels, float* dx,
               engine::ThreadPool* pool) {
  engine::ParallelFor(pool, channels, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      float* xc = dx + c * g.in_pos;
      for (int64_t t = 0; t < g.taps; ++t) {
        const float* src_row = col + (c * g.taps + t) * g.out_pos;
        const int64_t sw = g.s[2], w_in = g.in[2], w_out = g.out[2];
        ForEachRun(g, t, [&](int64_t q0, int64_t dst, int64_t iw0) {
          if (dst < 0) return;
          float* xs = xc + dst;
          const float* s = src_row + q0;
          for (int64_t ow = 0; ow < w_out; ++ow) {
            const int64_t iw = iw0 + ow * sw;
            if (iw >= 0 && iw < w_in) xs[iw] += s[ow];
          }
        });
      }
    }
  });
}

}  // namespace quantsim::kernels::internal
