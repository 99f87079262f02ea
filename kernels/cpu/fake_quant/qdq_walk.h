// quantsim kernels (internal): the one walk of a QDQ-family kernel over a
// chunk of elements, shared by FakeQuantize, QuantizeToInt and
// DequantizeFromInt. Baseline-ISA TUs only (it calls reference.h helpers).
//
// QdqWalk<Body>::Chunk(begin, end) covers [begin, end):
//  - Isa::kScalar: body.Scalar(pos, param) per element (the reference);
//  - runs of one parameter of >= kMinBroadcastRun elements: the SIMD kernel
//    with broadcast parameters, split where index >> 32 changes (the
//    stochastic salt), tails by body.Scalar;
//  - otherwise tiles of kTile elements with per-element parameters gathered
//    into a struct of arrays (clip bounds only when the rounding uses them).
// Body: void Scalar(int64_t pos, const QdqParam& p) const;
//       void Bind(QdqSimdArgs* a, int64_t pos) const;  // op, type, pointers
//                                                      // offset to pos
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_WALK_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_WALK_H_

#include <stdint.h>

#include <algorithm>

#include "engine/cpu_features.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/layout_walk.h"
#include "kernels/cpu/fake_quant/qdq_simd.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels::internal {

// Runs the per-arch SIMD kernel; returns the elements done (0 for kScalar).
// Defined in fake_quant.cc.
int64_t RunQdqSimd(engine::Isa isa, const QdqSimdArgs& a);

// Runs of one parameter shorter than this go through the per-element
// (struct of arrays) tile path instead of the broadcast path.
inline constexpr int64_t kMinBroadcastRun = 64;
inline constexpr int64_t kTile = 256;  // a multiple of every batch size

template <class Body>
struct QdqWalk {
  const Body& body;
  const QdqLayout& layout;
  const QdqParam* params;
  const QdqConfig& config;
  engine::Isa isa;

  // SIMD over [pos, pos + n) (no 2^32 index boundary inside), scalar tail;
  // soa[] (or null) holds the per-element parameters of this range.
  void Simd(int64_t pos, int64_t n, const QdqParam& p,
            const float* const* soa) const {
    QdqSimdArgs a;
    body.Bind(&a, pos);
    a.n = n;
    a.scale = p.scale;
    a.zero_point = p.zero_point;
    a.clip_lo = p.clip_lo;
    a.clip_hi = p.clip_hi;
    if (soa != nullptr) {
      a.soa_scale = soa[0];
      a.soa_zero_point = soa[1];
      a.soa_clip_lo = soa[2];
      a.soa_clip_hi = soa[3];
    }
    a.qmin = config.qmin;
    a.qmax = config.qmax;
    a.rounding = static_cast<int>(config.rounding);
    a.salt = config.rounding == RoundingMode::kStochastic
                 ? StochasticSalt(config.seed, static_cast<uint64_t>(pos))
                 : 0;
    a.index_lo = static_cast<uint32_t>(static_cast<uint64_t>(pos));
    for (int64_t k = RunQdqSimd(isa, a); k < n; ++k) {
      if (soa == nullptr) {
        body.Scalar(pos + k, p);
      } else {
        QdqParam pk;
        pk.scale = soa[0][k];
        pk.zero_point = soa[1][k];
        pk.clip_lo = soa[2][k];
        pk.clip_hi = soa[3][k];
        body.Scalar(pos + k, pk);
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
      ParamCursor c(layout, begin);
      for (int64_t pos = begin; pos < end; ++pos, c.Next()) {
        body.Scalar(pos, params[c.index()]);
      }
      return;
    }
    if (!layout.vary_inner && layout.inner >= kMinBroadcastRun) {
      ForEachRun(layout, begin, end,
                 [&](int64_t pos, int64_t len, int64_t pidx, int64_t) {
                   SimdSplit(pos, len, params[pidx]);
                 });
      return;
    }
    // Per-element parameters gathered into tiles of kTile elements.
    const bool clip = config.rounding != RoundingMode::kHalfToEven;
    alignas(64) float soa_buf[4][kTile];
    const float* const soa[4] = {soa_buf[0], soa_buf[1], soa_buf[2],
                                 soa_buf[3]};
    ParamCursor c(layout, begin);
    for (int64_t pos = begin; pos < end;) {
      // Tiles never straddle a 2^32 index boundary: they end at multiples
      // of kTile relative to `begin`, itself a multiple of the grain.
      const int64_t n = std::min(kTile, end - pos);
      for (int64_t k = 0; k < n; ++k, c.Next()) {
        const QdqParam& p = params[c.index()];
        soa_buf[0][k] = p.scale;
        soa_buf[1][k] = p.zero_point;
        soa_buf[2][k] = clip ? p.clip_lo : 0.0f;
        soa_buf[3][k] = clip ? p.clip_hi : 0.0f;
      }
      Simd(pos, n, QdqParam{}, soa);
      pos += n;
    }
  }
};

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_QDQ_WALK_H_
