// Depthwise conv forward (groups == in_channels == out_channels): per output
// row, the taps x width input window is gathered (zero padding) into an L1
// buffer and reduced by the SIMD row kernel; threaded over (image, channel)
// planes. Baseline ISA: dispatch, gather, scalar path, QDQ epilogue.
#include <string.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv/conv.h"
#include "kernels/cpu/conv/conv_geom.h"
#include "kernels/cpu/conv/depthwise_simd.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels::internal {
namespace {

constexpr int64_t kPad = 16;  // widest batch: rows are padded to it

int64_t RunRow(engine::Isa isa, const DwRowArgs& a) {
  DwRowKernel k;
  switch (isa) {
    case engine::Isa::kSse2:
      return k(xsimd::sse2{}, a);
    case engine::Isa::kAvx2:
      return k(xsimd::fma3<xsimd::avx2>{}, a);
    case engine::Isa::kAvx512:
      return k(xsimd::avx512bw{}, a);
    case engine::Isa::kScalar:
      break;
  }
  return 0;
}

void ScalarRow(const DwRowArgs& a, const GemmEpilogue& e, int64_t from) {
  for (int64_t q = from; q < a.n; ++q) {
    float acc = 0.0f;
    for (int64_t t = 0; t < a.taps; ++t) {
      acc = acc + a.w[t] * a.col[t * a.ld_col + q];
    }
    a.out[q] = GemmActivate(acc + a.bias, e);
  }
}

}  // namespace

void DepthwiseForward(const ConvShape& s, const float* x, const float* w,
                      const float* bias, float* y, const GemmEpilogue& e,
                      engine::ThreadPool* pool, engine::Isa isa) {
  const ConvGeom g(s);
  const int64_t width = g.out[2];
  const int64_t ld = (width + kPad - 1) / kPad * kPad;
  const int64_t planes = s.batch * s.out_channels;
  engine::ParallelFor(pool, planes, 1, [&](int64_t p0, int64_t p1) {
    static thread_local std::vector<float> col_buf, out_buf;
    col_buf.resize(g.taps * ld);
    out_buf.resize(ld);
    float* col = col_buf.data();
    for (int64_t plane = p0; plane < p1; ++plane) {
      const int64_t c = plane % s.out_channels;
      const float* xc = x + plane * g.in_pos;
      float* yc = y + plane * g.out_pos;
      DwRowArgs a;
      a.taps = g.taps;
      a.w = w + c * g.taps;
      a.col = col;
      a.ld_col = ld;
      a.n = ld;
      a.bias = bias != nullptr ? bias[c] : 0.0f;
      a.out = out_buf.data();
      a.activation = static_cast<int>(e.activation);
      a.act_lo = e.clip_lo;
      a.act_hi = e.clip_hi;
      a.leaky = e.leaky_alpha;
      for (int64_t od = 0; od < g.out[0]; ++od) {
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          for (int64_t t = 0; t < g.taps; ++t) {
            const int64_t kw = t % g.k[2], kh = (t / g.k[2]) % g.k[1],
                          kd = t / (g.k[2] * g.k[1]);
            const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            float* dst = col + t * ld;
            if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
              memset(dst, 0, sizeof(float) * ld);
              continue;
            }
            const float* src = xc + (id * g.in[1] + ih) * g.in[2];
            GatherRow(src, g.in[2], kw * g.d[2] - g.p[2], g.s[2], ld, dst);
          }
          ScalarRow(a, e, RunRow(isa, a));
          memcpy(yc + (od * g.out[1] + oh) * width, a.out,
                 sizeof(float) * width);
        }
      }
      if (e.qdq == GemmQdq::kNone) continue;
      const QdqParam* prm = e.qdq_params + (e.qdq == GemmQdq::kPerRow ? c : 0);
      const uint64_t base =
          e.qdq_index_base + static_cast<uint64_t>(plane * g.out_pos);
      if (e.qdq_config.rounding == RoundingMode::kStochastic) {
        for (int64_t q = 0; q < g.out_pos; ++q) {
          yc[q] = FakeQuantValue(yc[q], *prm, e.qdq_config, base + q);
        }
      } else {
        FakeQuantize(yc, yc, nullptr, PerTensorLayout(g.out_pos), prm,
                     e.qdq_config, nullptr, isa);
      }
    }
  });
}

}  // namespace quantsim::kernels::internal
