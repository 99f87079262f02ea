// quantsim kernels (internal): ConvShape normalised to 3 spatial dims
// (leading dims of size 1), im2col and col2im.
#ifndef QUANTSIM_KERNELS_CPU_CONV_CONV_GEOM_H_
#define QUANTSIM_KERNELS_CPU_CONV_CONV_GEOM_H_

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "engine/thread_pool.h"
#include "kernels/cpu/conv/conv.h"

namespace quantsim::kernels::internal {

struct ConvGeom {
  int64_t in[3], k[3], s[3], d[3], p[3], out[3];
  int64_t in_pos, out_pos, taps;
  explicit ConvGeom(const ConvShape& sh);
  bool IsPointwise() const;  // 1x1 kernel, stride 1, no pad: col == x
};

// dst[ow] = src[iw0 + ow * stride] where 0 <= iw0 + ow * stride < in_w, else
// 0, for ow < width: zero head, strided (or memcpy) body, zero tail.
inline void GatherRow(const float* src, int64_t in_w, int64_t iw0,
                      int64_t stride, int64_t width, float* dst) {
  // First ow with iw >= 0 and first ow with iw >= in_w.
  int64_t lo = iw0 >= 0 ? 0 : (-iw0 + stride - 1) / stride;
  int64_t hi = in_w - iw0 <= 0 ? 0 : (in_w - iw0 + stride - 1) / stride;
  if (lo > width) lo = width;
  if (hi > width) hi = width;
  if (hi < lo) hi = lo;
  for (int64_t ow = 0; ow < lo; ++ow) dst[ow] = 0.0f;
  const float* s = src + iw0;
  int64_t ow = lo;
  // Runs are short (an output row, at most one GEMM panel): inline 4-wide
  // copies instead of memcpy calls (SSE2 is the x86-64 baseline).
#if defined(__SSE2__)
  if (stride == 1) {
    for (; ow + 4 <= hi; ow += 4) _mm_storeu_ps(dst + ow, _mm_loadu_ps(s + ow));
  } else if (stride == 2) {
    // Reads s[2 ow .. 2 ow + 7]; ow + 4 < hi keeps s[2 ow + 7] in the row.
    for (; ow + 4 < hi; ow += 4) {
      _mm_storeu_ps(dst + ow, _mm_shuffle_ps(_mm_loadu_ps(s + 2 * ow),
                                             _mm_loadu_ps(s + 2 * ow + 4),
                                             _MM_SHUFFLE(2, 0, 2, 0)));
    }
  }
#endif
  for (; ow < hi; ++ow) dst[ow] = s[ow * stride];
  for (int64_t ow = hi; ow < width; ++ow) dst[ow] = 0.0f;
}

// col[(c * taps + t), q] = x[c, position of output q shifted by tap t] or 0,
// for c < channels (x points at the group's first channel). Threaded over
// rows; each row is written by one thread.
void Im2Col(const ConvGeom& g, const float* x, int64_t channels, float* col,
            engine::ThreadPool* pool);

// The im2col matrix's rows [k0, k0 + kb) and columns [n0, n0 + nb) written
// straight into Gemm's packed-B layout (GemmPackB): nr-wide k-major panels,
// zero past nb. Same values as Im2Col; one calling thread.
void Im2ColPanels(const ConvGeom& g, const float* x, int64_t k0, int64_t kb,
                  int64_t n0, int64_t nb, int nr, float* dst);

// dx[c, ...] += col rows of channel c, taps then positions ascending.
// Threaded over channels (each channel summed by one thread).
void Col2ImAdd(const ConvGeom& g, const float* col, int64_t channels, float* dx,
               engine::ThreadPool* pool);

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_CONV_CONV_GEOM_H_
