// Conv forward (im2col + Gemm), backward input / weight / bias and
// ConvTranspose forward (baseline ISA). Depthwise forward: depthwise.cc.
#include "kernels/cpu/conv/conv.h"

#include <string.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/cpu/conv/conv_geom.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels {

namespace internal {
void DepthwiseForward(const ConvShape& s, const float* x, const float* w,
                      const float* bias, float* y, const GemmEpilogue& e,
                      engine::ThreadPool* pool, engine::Isa isa);
}  // namespace internal

using internal::ConvGeom;

namespace {

// The im2col matrix: uninitialised (every element is written before it is
// read), so no zero-fill pass; null when n == 0.
class ColBuffer {
 public:
  explicit ColBuffer(int64_t n) : data_(n > 0 ? new float[n] : nullptr) {}
  float* data() const { return data_.get(); }

 private:
  std::unique_ptr<float[]> data_;
};

}  // namespace

void ConvForward(const ConvShape& s, const float* x, const float* w,
                 const float* bias, float* y, const GemmEpilogue& e,
                 engine::ThreadPool* pool, engine::Isa isa) {
  if (s.IsDepthwise()) {
    internal::DepthwiseForward(s, x, w, bias, y, e, pool, isa);
    return;
  }
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  const int64_t kdim = cin_g * g.taps, pos = g.out_pos;
  const GemmParams p = MakeGemmParams(cout_g, pos, kdim);
  const bool pointwise = g.IsPointwise();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      const float* xg = x + (n * s.in_channels + grp * cin_g) * g.in_pos;
      GemmEpilogue ge = e;
      ge.bias_kind = bias != nullptr ? GemmBias::kPerRow : GemmBias::kNone;
      ge.bias = bias != nullptr ? bias + grp * cout_g : nullptr;
      if (e.qdq == GemmQdq::kPerRow)
        ge.qdq_params = e.qdq_params + grp * cout_g;
      const int64_t y0 = (n * s.out_channels + grp * cout_g) * pos;
      ge.qdq_index_base = e.qdq_index_base + static_cast<uint64_t>(y0);
      const float* wg = w + grp * cout_g * kdim;
      if (pointwise) {  // the im2col matrix is x itself
        Gemm(p, wg, xg, y + y0, ge, pool, isa);
        continue;
      }
      // im2col fused into Gemm's packing of B (never materialised).
      const GemmPackB pack = [&g, xg](int64_t k0, int64_t kb, int64_t n0,
                                      int64_t nb, int nr, float* dst) {
        internal::Im2ColPanels(g, xg, k0, kb, n0, nb, nr, dst);
      };
      GemmWithPackB(p, wg, pack, y + y0, ge, pool, isa);
    }
  }
}

void ConvBackwardInput(const ConvShape& s, const float* dy, const float* w,
                       float* dx, engine::ThreadPool* pool, engine::Isa isa) {
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  const int64_t kdim = cin_g * g.taps, pos = g.out_pos;
  const bool pointwise = g.IsPointwise();
  ColBuffer col(pointwise ? 0 : kdim * pos);
  if (!pointwise) memset(dx, 0, sizeof(float) * s.XSize());
  // dcol [kdim, pos] = W_g^T [kdim, cout_g] * dY_g [cout_g, pos].
  const GemmParams p = MakeGemmParams(kdim, pos, cout_g, /*trans_a=*/true);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      const float* dyg = dy + (n * s.out_channels + grp * cout_g) * pos;
      float* dxg = dx + (n * s.in_channels + grp * cin_g) * g.in_pos;
      const float* wg = w + grp * cout_g * kdim;
      if (pointwise) {
        Gemm(p, wg, dyg, dxg, GemmEpilogue(), pool, isa);
        continue;
      }
      Gemm(p, wg, dyg, col.data(), GemmEpilogue(), pool, isa);
      internal::Col2ImAdd(g, col.data(), cin_g, dxg, pool);
    }
  }
}

void ConvBackwardWeight(const ConvShape& s, const float* x, const float* dy,
                        float* dw, engine::ThreadPool* pool, engine::Isa isa) {
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  const int64_t kdim = cin_g * g.taps, pos = g.out_pos;
  ColBuffer col(g.IsPointwise() ? 0 : kdim * pos);
  // dW_g [cout_g, kdim] (+)= dY_g [cout_g, pos] * col^T [pos, kdim].
  GemmParams p = MakeGemmParams(cout_g, kdim, pos, false, /*trans_b=*/true);
  for (int64_t grp = 0; grp < s.groups; ++grp) {
    for (int64_t n = 0; n < s.batch; ++n) {
      const float* xg = x + (n * s.in_channels + grp * cin_g) * g.in_pos;
      const float* bmat = xg;
      if (col.data() != nullptr) {
        internal::Im2Col(g, xg, cin_g, col.data(), pool);
        bmat = col.data();
      }
      p.beta = n == 0 ? 0.0f : 1.0f;
      Gemm(p, dy + (n * s.out_channels + grp * cout_g) * pos, bmat,
           dw + grp * cout_g * kdim, GemmEpilogue(), pool, isa);
    }
  }
}

void ConvBackwardBias(const ConvShape& s, const float* dy, float* db,
                      engine::ThreadPool* pool) {
  const int64_t pos = s.OutPositions();
  engine::ParallelFor(pool, s.out_channels, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double acc = 0.0;
      for (int64_t n = 0; n < s.batch; ++n) {
        const float* d = dy + (n * s.out_channels + c) * pos;
        for (int64_t q = 0; q < pos; ++q) acc += d[q];
      }
      db[c] = static_cast<float>(acc);
    }
  });
}

void ConvTransposeForward(const ConvShape& s, const float* x, const float* w,
                          const float* bias, float* y, engine::ThreadPool* pool,
                          engine::Isa isa) {
  ConvBackwardInput(s, x, w, y, pool, isa);
  if (bias == nullptr) return;
  const int64_t pos = s.InPositions();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t c = 0; c < s.in_channels; ++c) {
      float* yc = y + (n * s.in_channels + c) * pos;
      for (int64_t q = 0; q < pos; ++q) yc[q] += bias[c];
    }
  }
}

}  // namespace quantsim::kernels
