// Baseline-ISA TU: chunking, layout walk, ISA dispatch, scalar reference
// loops and SIMD tails. Only this TU calls reference.h scalar helpers.
#include "kernels/cpu/fake_quant/fake_quant.h"

#include <algorithm>

#include "kernels/cpu/fake_quant/layout_walk.h"
#include "kernels/cpu/fake_quant/qdq_simd.h"

namespace quantsim::kernels {
namespace {

using internal::QdqSimdArgs;

// Runs of one parameter shorter than this go through the per-element
// (struct of arrays) tile path instead of the broadcast path.
constexpr int64_t kMinBroadcastRun = 64;
constexpr int64_t kTile = 256;  // a multiple of every batch size

int64_t RunSimd(engine::Isa isa, const QdqSimdArgs& a) {
  internal::QdqSimdKernel k;
  switch (isa) {
    case engine::Isa::kSse2:
      return k(xsimd::sse2{}, a);
    case engine::Isa::kAvx2:
      return k(xsimd::avx2{}, a);
    case engine::Isa::kAvx512:
      return k(xsimd::avx512bw{}, a);
    case engine::Isa::kScalar:
      break;
  }
  return 0;
}

struct Qdq {
  const float* x;
  float* y;
  uint8_t* mask;
  const QdqLayout& layout;
  const QdqParam* params;
  const QdqConfig& config;
  engine::Isa isa;

  void Scalar(int64_t pos, const QdqParam& p) const {
    const float v = x[pos];  // read before writing y (in place)
    if (mask != nullptr) mask[pos] = QdqMaskValue(v, p, config);
    y[pos] = FakeQuantValue(v, p, config, static_cast<uint64_t>(pos));
  }

  // SIMD over [pos, pos + n) (no 2^32 index boundary inside), scalar tail;
  // soa[] (or null) holds the per-element parameters of this range.
  void Simd(int64_t pos, int64_t n, const QdqParam& p,
            const float* const* soa) const {
    QdqSimdArgs a;
    a.x = x + pos;
    a.y = y + pos;
    a.mask = mask != nullptr ? mask + pos : nullptr;
    a.n = n;
    a.scale = p.scale;
    a.zero_point = p.zero_point;
    a.clip_lo = p.clip_lo;
    a.clip_hi = p.clip_hi;
    a.soa_scale = soa != nullptr ? soa[0] : nullptr;
    a.soa_zero_point = soa != nullptr ? soa[1] : nullptr;
    a.soa_clip_lo = soa != nullptr ? soa[2] : nullptr;
    a.soa_clip_hi = soa != nullptr ? soa[3] : nullptr;
    a.qmin = config.qmin;
    a.qmax = config.qmax;
    a.rounding = static_cast<int>(config.rounding);
    a.salt = config.rounding == RoundingMode::kStochastic
                 ? StochasticSalt(config.seed, static_cast<uint64_t>(pos))
                 : 0;
    a.index_lo = static_cast<uint32_t>(static_cast<uint64_t>(pos));
    for (int64_t k = RunSimd(isa, a); k < n; ++k) {
      if (soa == nullptr) {
        Scalar(pos + k, p);
      } else {
        QdqParam pk;
        pk.scale = soa[0][k];
        pk.zero_point = soa[1][k];
        pk.clip_lo = soa[2][k];
        pk.clip_hi = soa[3][k];
        Scalar(pos + k, pk);
      }
    }
  }

  // Splits [pos, pos + n) where index >> 32 changes (stochastic salt).
  void SimdSplit(int64_t pos, int64_t n, const QdqParam& p) const {
    while (n > 0) {
      const int64_t boundary = ((pos >> 32) + 1) << 32;
      const int64_t len = std::min(n, boundary - pos);
      Simd(pos, len, p, nullptr);
      pos += len;
      n -= len;
    }
  }

  void Chunk(int64_t begin, int64_t end) const {
    if (isa == engine::Isa::kScalar) {
      internal::ParamCursor c(layout, begin);
      for (int64_t pos = begin; pos < end; ++pos, c.Next()) {
        Scalar(pos, params[c.index()]);
      }
      return;
    }
    if (!layout.vary_inner && layout.inner >= kMinBroadcastRun) {
      internal::ForEachRun(layout, begin, end,
                           [&](int64_t pos, int64_t len, int64_t pidx,
                               int64_t) { SimdSplit(pos, len, params[pidx]); });
      return;
    }
    // Per-element parameters gathered into tiles of kTile elements.
    alignas(64) float soa_buf[4][kTile];
    const float* const soa[4] = {soa_buf[0], soa_buf[1], soa_buf[2],
                                 soa_buf[3]};
    internal::ParamCursor c(layout, begin);
    for (int64_t pos = begin; pos < end;) {
      // Tiles never straddle a 2^32 index boundary: they end at multiples
      // of kTile relative to `begin`, itself a multiple of kQdqGrain.
      const int64_t n = std::min(kTile, end - pos);
      for (int64_t k = 0; k < n; ++k, c.Next()) {
        const QdqParam& p = params[c.index()];
        soa_buf[0][k] = p.scale;
        soa_buf[1][k] = p.zero_point;
        soa_buf[2][k] = p.clip_lo;
        soa_buf[3][k] = p.clip_hi;
      }
      Simd(pos, n, QdqParam{}, soa);
      pos += n;
    }
  }
};

}  // namespace

void FakeQuantize(const float* x, float* y, uint8_t* mask,
                  const QdqLayout& layout, const QdqParam* params,
                  const QdqConfig& config, engine::ThreadPool* pool,
                  engine::Isa isa) {
  const Qdq qdq{x, y, mask, layout, params, config, isa};
  engine::ParallelFor(pool, layout.NumElements(), kQdqGrain,
                      [&qdq](int64_t b, int64_t e) { qdq.Chunk(b, e); });
}

}  // namespace quantsim::kernels
