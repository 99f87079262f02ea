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
  const int64_t q_end = n0 + nb;
  for (int64_t kk = 0; kk < kb; ++kk) {
    const int64_t r = k0 + kk;
    const float* xc = x + (r / g.taps) * g.in_pos;
    const int64_t t = r % g.taps;
    const int64_t kw = t % g.k[2], kh = (t / g.k[2]) % g.k[1],
                  kd = t / (g.k[2] * g.k[1]);
    const int64_t iw0 = kw * g.d[2] - g.p[2];
    float* d = dst + kk * nr;
    int64_t q = n0;
    while (q < q_end) {
      // Output row (od, oh) holding q: its positions [row_start, run_end).
      const int64_t row = q / w_out, row_start = row * w_out;
      const int64_t oh = row % g.out[1], od = row / g.out[1];
      const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
      const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
      const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
      const float* src = xc + (id * g.in[1] + ih) * g.in[2];
      const int64_t run_end = std::min(q_end, row_start + w_out);
      while (q < run_end) {
        const int64_t j = q - n0, lane = j % nr;
        const int64_t len = std::min(run_end - q, nr - lane);
        float* o = d + (j / nr) * nr * kb + lane;
        if (inside) {
          GatherRow(src, w_in, iw0 + (q - row_start) * sw, sw, len, o);
        } else {
          memset(o, 0, sizeof(float) * len);
        }
        q += len;
      }
    }
    if (tail > 0) {
      memset(d + (panels - 1) * nr * kb + (nr - tail), 0, sizeof(float) * tail);
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
