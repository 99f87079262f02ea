// Baseline-ISA TU: blocking, packing, threading, ISA dispatch, the scalar
// micro-kernel, edge tiles and the QDQ epilogue (kernels::FakeQuantize).
//
// Loop nest (Goto/BLIS, row-major with vectors along n): a task is one
// (NC column block, MC row block) of C; consecutive tasks of one ParallelFor
// chunk sharing the column block share the packed B block.
//   for pc in k by KC:   pack B[pc:pc+KC, jc:jc+NC] into NR-wide panels (L2)
//     for ic:            pack A[ic:ic+MC, pc:pc+KC] into MR-high panels
//       for ir by MR:    (A micro-panel stays in L1)
//         for jr by NR:  micro-kernel on C[ir:ir+MR, jr:jr+NR]
// Each element of C is produced by one task, with k blocks in ascending
// order, so results do not depend on the thread count or the chunking.
#include "kernels/cpu/gemm/gemm.h"

#include <string.h>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/gemm/micro_kernel.h"

namespace quantsim::kernels {
namespace {

using internal::GemmMicroArgs;
using MicroFn = void (*)(const GemmMicroArgs&);

struct Blocking {
  int mr, nr, kc, mc, nc;
  MicroFn micro;
};

constexpr int kScalarMr = 4, kScalarNr = 4;
constexpr int kMaxMr = 16, kMaxNr = 48;

float ActivateMicro(float v, const GemmMicroArgs& a) {
  switch (a.activation) {
    case internal::kActRelu:
      return v < 0.0f ? 0.0f : v;
    case internal::kActClip:
      return v < a.act_lo ? a.act_lo : (v > a.act_hi ? a.act_hi : v);
    case internal::kActLeaky:
      return v < 0.0f ? v * a.leaky : v;
    default:
      return v;
  }
}

// Same contract as internal::GemmMicroKernel, 4 x 4, no FMA.
void ScalarMicro(const GemmMicroArgs& a) {
  float acc[kScalarMr][kScalarNr] = {};
  const float* pa = a.a;
  const float* pb = a.b;
  for (int64_t k = 0; k < a.kc; ++k, pa += kScalarMr, pb += kScalarNr) {
    for (int i = 0; i < kScalarMr; ++i) {
      for (int j = 0; j < kScalarNr; ++j) acc[i][j] += pa[i] * pb[j];
    }
  }
  for (int i = 0; i < kScalarMr; ++i) {
    float* c = a.c + i * a.ldc;
    for (int j = 0; j < kScalarNr; ++j) {
      float v = acc[i][j] * a.alpha;
      if (a.load_c) v = v + c[j] * a.c_scale;
      if (a.last) {
        if (a.bias_row != nullptr) v = v + a.bias_row[i];
        if (a.bias_col != nullptr) v = v + a.bias_col[j];
        v = ActivateMicro(v, a);
      }
      c[j] = v;
    }
  }
}

template <class Arch, int kMr, int kNv>
void SimdMicro(const GemmMicroArgs& a) {
  internal::GemmMicroKernel<kMr, kNv>{}(Arch{}, a);
}

constexpr int RoundUpInt(int v, int m) { return (v + m - 1) / m * m; }

// Blocking for shape I of GemmTiles<Arch>: mc a multiple of mr near
// mc_target, nc a multiple of nr near nc_target.
template <class Arch, int I>
Blocking ShapeBlocking(int kc, int mc_target, int nc_target) {
  using Tiles = internal::GemmTiles<Arch>;
  constexpr int kMr = Tiles::kShapes[I].mr, kNv = Tiles::kShapes[I].nv;
  constexpr int kNr = kNv * Tiles::kLanes;
  static_assert(kMr <= kMaxMr && kNr <= kMaxNr, "edge tile buffer");
  return Blocking{kMr,
                  kNr,
                  kc,
                  RoundUpInt(mc_target, kMr),
                  std::max(kNr, nc_target / kNr * kNr),
                  &SimdMicro<Arch, kMr, kNv>};
}

// The tile shapes usable on `isa` (the default first); returns the count.
int Candidates(engine::Isa isa, Blocking* out) {
  switch (isa) {
    case engine::Isa::kSse2:
      out[0] = ShapeBlocking<xsimd::sse2, 0>(256, 144, 256);
      return 1;
    case engine::Isa::kAvx2:
      out[0] = ShapeBlocking<xsimd::fma3<xsimd::avx2>, 0>(256, 144, 512);
      return 1;
    case engine::Isa::kAvx512:
      out[0] = ShapeBlocking<xsimd::avx512bw, 0>(256, 96, 1024);
      out[1] = ShapeBlocking<xsimd::avx512bw, 1>(256, 96, 1024);
      out[2] = ShapeBlocking<xsimd::avx512bw, 2>(256, 96, 1024);
      out[3] = ShapeBlocking<xsimd::avx512bw, 3>(256, 96, 1024);
      return 4;
    case engine::Isa::kScalar:
      break;
  }
  out[0] = Blocking{kScalarMr, kScalarNr, 256, 128, 256, &ScalarMicro};
  return 1;
}

int64_t RoundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// The micro-kernels' work for an m x n C: the padded tile area.
double PaddedArea(const Blocking& b, int64_t m, int64_t n) {
  return static_cast<double>(RoundUp(m, b.mr)) * RoundUp(n, b.nr);
}

// The shape wasting least padding on m x n; another shape must beat the
// default by 2 % (all shapes give the same bits, so this is speed only).
Blocking ChooseBlocking(engine::Isa isa, int64_t m, int64_t n, double* area) {
  Blocking c[4];
  const int count = Candidates(isa, c);
  int best = 0;
  double best_area = PaddedArea(c[0], m, n);
  for (int i = 1; i < count; ++i) {
    const double a = PaddedArea(c[i], m, n);
    if (a < 0.98 * PaddedArea(c[0], m, n) && a < best_area) {
      best = i;
      best_area = a;
    }
  }
  *area = best_area;
  return c[best];
}

// 64-byte aligned, per-thread scratch that only grows.
float* Scratch(std::vector<float>* buf, int64_t n) {
  if (static_cast<int64_t>(buf->size()) < n + 16) buf->resize(n + 16);
  const uintptr_t p = reinterpret_cast<uintptr_t>(buf->data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t{63});
}

// d[k * width + i] = src[i * ld + k] for i < rows, k < kb (a transposing
// copy of `rows` rows into a k-major panel; pure data movement). 4 x 4
// SSE2 transposes where possible (SSE2 is the x86-64 baseline), 2-row and
// scalar tails.
void PackTransposed(const float* src, int64_t ld, int64_t rows, int64_t kb,
                    int64_t width, float* d) {
  int64_t i = 0;
#if defined(__SSE2__)
  const int64_t kb4 = kb & ~int64_t{3};
  for (; i + 4 <= rows; i += 4) {
    const float* s0 = src + i * ld;
    const float* s1 = s0 + ld;
    const float* s2 = s1 + ld;
    const float* s3 = s2 + ld;
    float* di = d + i;
    for (int64_t k = 0; k < kb4; k += 4) {
      __m128 r0 = _mm_loadu_ps(s0 + k), r1 = _mm_loadu_ps(s1 + k);
      __m128 r2 = _mm_loadu_ps(s2 + k), r3 = _mm_loadu_ps(s3 + k);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(di + k * width, r0);
      _mm_storeu_ps(di + (k + 1) * width, r1);
      _mm_storeu_ps(di + (k + 2) * width, r2);
      _mm_storeu_ps(di + (k + 3) * width, r3);
    }
    for (int64_t k = kb4; k < kb; ++k) {
      di[k * width] = s0[k];
      di[k * width + 1] = s1[k];
      di[k * width + 2] = s2[k];
      di[k * width + 3] = s3[k];
    }
  }
  for (; i + 2 <= rows; i += 2) {
    const float* s0 = src + i * ld;
    const float* s1 = s0 + ld;
    float* di = d + i;
    for (int64_t k = 0; k < kb4; k += 4) {
      const __m128 r0 = _mm_loadu_ps(s0 + k), r1 = _mm_loadu_ps(s1 + k);
      const __m128 lo = _mm_unpacklo_ps(r0, r1), hi = _mm_unpackhi_ps(r0, r1);
      _mm_storel_pi(reinterpret_cast<__m64*>(di + k * width), lo);
      _mm_storeh_pi(reinterpret_cast<__m64*>(di + (k + 1) * width), lo);
      _mm_storel_pi(reinterpret_cast<__m64*>(di + (k + 2) * width), hi);
      _mm_storeh_pi(reinterpret_cast<__m64*>(di + (k + 3) * width), hi);
    }
    for (int64_t k = kb4; k < kb; ++k) {
      di[k * width] = s0[k];
      di[k * width + 1] = s1[k];
    }
  }
#endif
  for (; i < rows; ++i) {
    const float* si = src + i * ld;
    for (int64_t k = 0; k < kb; ++k) d[k * width + i] = si[k];
  }
}

struct Driver {
  const GemmParams& p;
  const float* a;
  const float* b;
  const GemmPackB* pack_a;  // set: op(A) rows come from this packer, a unused
  const GemmPackB* pack_b;  // set: op(B) comes from this packer, b unused
  float* c;
  const GemmEpilogue& e;
  Blocking bl;
  engine::Isa isa;

  // op(A)[m0:m0+mb, k0:k0+kb] -> panels of mr rows, k-major, zero-padded.
  void PackA(int64_t m0, int64_t mb, int64_t k0, int64_t kb, float* dst) const {
    const int mr = bl.mr;
    if (pack_a != nullptr) {  // op(A)^T's columns, in the same panel layout
      (*pack_a)(k0, kb, m0, mb, mr, dst);
      return;
    }
    for (int64_t i0 = 0; i0 < mb; i0 += mr) {
      const int64_t rows = std::min<int64_t>(mr, mb - i0);
      float* d = dst + i0 * kb;
      if (rows < mr) memset(d, 0, sizeof(float) * mr * kb);
      if (!p.trans_a) {
        PackTransposed(a + (m0 + i0) * p.lda + k0, p.lda, rows, kb, mr, d);
        continue;
      }
      for (int64_t k = 0; k < kb; ++k) {
        memcpy(d + k * mr, a + (k0 + k) * p.lda + m0 + i0,
               sizeof(float) * rows);
      }
    }
  }

  // op(B)[k0:k0+kb, n0:n0+nb] -> panels of nr columns, k-major, zero-padded.
  void PackB(int64_t k0, int64_t kb, int64_t n0, int64_t nb, float* dst) const {
    const int nr = bl.nr;
    if (pack_b != nullptr) {
      (*pack_b)(k0, kb, n0, nb, nr, dst);
      return;
    }
    for (int64_t j0 = 0; j0 < nb; j0 += nr) {
      const int64_t cols = std::min<int64_t>(nr, nb - j0);
      float* d = dst + j0 * kb;
      if (p.trans_b) {
        if (cols < nr) memset(d, 0, sizeof(float) * nr * kb);
        PackTransposed(b + (n0 + j0) * p.ldb + k0, p.ldb, cols, kb, nr, d);
      } else {
        for (int64_t k = 0; k < kb; ++k) {
          const float* s = b + (k0 + k) * p.ldb + n0 + j0;
          float* dk = d + k * nr;
          memcpy(dk, s, sizeof(float) * cols);
          for (int64_t j = cols; j < nr; ++j) dk[j] = 0.0f;
        }
      }
    }
  }

  // Fake-quantizes C[m0:m0+mb, n0:n0+nb] (finished) in place.
  void Qdq(int64_t m0, int64_t mb, int64_t n0, int64_t nb) const {
    const QdqConfig& cfg = e.qdq_config;
    for (int64_t i = m0; i < m0 + mb; ++i) {
      float* row = c + i * p.ldc + n0;
      const QdqParam* prm = e.qdq_params;
      if (e.qdq == GemmQdq::kPerRow) prm += i;
      if (e.qdq == GemmQdq::kPerColumn) prm += n0;
      if (cfg.rounding == RoundingMode::kStochastic) {
        const uint64_t base = e.qdq_index_base + static_cast<uint64_t>(i * p.n);
        for (int64_t j = 0; j < nb; ++j) {
          const QdqParam& q = e.qdq == GemmQdq::kPerColumn ? prm[j] : *prm;
          row[j] = FakeQuantValue(row[j], q, cfg, base + n0 + j);
        }
        continue;
      }
      QdqLayout l = PerTensorLayout(nb);
      l.vary_inner = e.qdq == GemmQdq::kPerColumn;
      FakeQuantize(row, row, nullptr, l, prm, cfg, nullptr, isa);
    }
  }

  // Tasks [t0, t1) share column block jc; row blocks ic0 .. ic0 + t1 - t0.
  void Run(int64_t jc, int64_t ic0, int64_t ic1) const {
    static thread_local std::vector<float> a_buf, b_buf, cb_buf;
    const int mr = bl.mr, nr = bl.nr;
    const int64_t n0 = jc * bl.nc;
    const int64_t nb = std::min<int64_t>(bl.nc, p.n - n0);
    const int64_t nb_pad = RoundUp(nb, nr);
    const int64_t kc_max = std::min<int64_t>(bl.kc, std::max<int64_t>(p.k, 1));
    float* bp = Scratch(&b_buf, kc_max * nb_pad);
    float* ap = Scratch(&a_buf, kc_max * RoundUp(bl.mc, mr));
    const float* col_bias = nullptr;
    if (e.bias_kind == GemmBias::kPerColumn) {
      float* cb = Scratch(&cb_buf, nb_pad);
      memcpy(cb, e.bias + n0, sizeof(float) * nb);
      for (int64_t j = nb; j < nb_pad; ++j) cb[j] = 0.0f;
      col_bias = cb;
    }
    GemmMicroArgs args{};
    args.alpha = p.alpha;
    args.activation = static_cast<int>(e.activation);
    args.act_lo = e.clip_lo;
    args.act_hi = e.clip_hi;
    args.leaky = e.leaky_alpha;
    alignas(64) float tile[kMaxMr * kMaxNr];
    float row_bias[kMaxMr];
    int64_t k0 = 0;
    do {
      const int64_t kb = std::min<int64_t>(bl.kc, p.k - k0);
      const bool first = k0 == 0, last = k0 + kb == p.k;
      PackB(k0, kb, n0, nb, bp);
      args.kc = kb;
      args.c_scale = first ? p.beta : 1.0f;
      args.load_c = !first || p.beta != 0.0f;
      args.last = last;
      for (int64_t ic = ic0; ic < ic1; ++ic) {
        const int64_t m0 = ic * bl.mc;
        const int64_t mb = std::min<int64_t>(bl.mc, p.m - m0);
        PackA(m0, mb, k0, kb, ap);
        for (int64_t ir = 0; ir < mb; ir += mr) {
          const int64_t rows = std::min<int64_t>(mr, mb - ir);
          const int64_t i0 = m0 + ir;
          args.a = ap + ir * kb;
          args.bias_row = nullptr;
          if (last && e.bias_kind == GemmBias::kPerRow) {
            for (int i = 0; i < mr; ++i) {
              row_bias[i] = i < rows ? e.bias[i0 + i] : 0.0f;
            }
            args.bias_row = row_bias;
          }
          for (int64_t jr = 0; jr < nb; jr += nr) {
            const int64_t cols = std::min<int64_t>(nr, nb - jr);
            float* ct = c + i0 * p.ldc + n0 + jr;
            args.b = bp + jr * kb;
            args.bias_col = col_bias != nullptr ? col_bias + jr : nullptr;
            if (rows == mr && cols == nr) {
              args.c = ct;
              args.ldc = p.ldc;
              bl.micro(args);
              continue;
            }
            if (args.load_c) {
              for (int64_t i = 0; i < rows; ++i) {
                memcpy(tile + i * nr, ct + i * p.ldc, sizeof(float) * cols);
              }
            }
            args.c = tile;
            args.ldc = nr;
            bl.micro(args);
            for (int64_t i = 0; i < rows; ++i) {
              memcpy(ct + i * p.ldc, tile + i * nr, sizeof(float) * cols);
            }
          }
        }
        if (last && e.qdq != GemmQdq::kNone) Qdq(m0, mb, n0, nb);
      }
      k0 += kb;
    } while (k0 < p.k);
  }
};

}  // namespace

namespace {

void RunBlocked(const GemmParams& p, const float* a, const float* b,
                const GemmPackB* pack_a, const GemmPackB* pack_b, float* c,
                const GemmEpilogue& e, Blocking bl, engine::ThreadPool* pool,
                engine::Isa isa) {
  const int threads = pool != nullptr ? pool->num_threads() : 1;
  const int64_t num_ic = (p.m + bl.mc - 1) / bl.mc;
  if (threads > 1) {
    // Few row blocks (small m, e.g. early conv layers): narrower column
    // blocks so that every thread gets work. Column blocking never changes
    // an element's k order, so the bits do not depend on it.
    const int64_t want_jc = (4 * threads + num_ic - 1) / num_ic;
    const int64_t nc = RoundUp((p.n + want_jc - 1) / want_jc, bl.nr);
    if (nc < bl.nc) bl.nc = static_cast<int>(nc);
  }
  const Driver d{p, a, b, pack_a, pack_b, c, e, bl, isa};
  const int64_t num_jc = (p.n + d.bl.nc - 1) / d.bl.nc;
  const int64_t tasks = num_ic * num_jc;
  // Larger chunks share more packed B; enough chunks to balance threads.
  const int64_t grain =
      threads == 1 ? num_ic : std::max<int64_t>(1, tasks / (4 * threads));
  engine::ParallelFor(pool, tasks, grain, [&d, num_ic](int64_t t0, int64_t t1) {
    while (t0 < t1) {
      const int64_t jc = t0 / num_ic;
      const int64_t end = std::min(t1, (jc + 1) * num_ic);
      d.Run(jc, t0 % num_ic, t0 % num_ic + (end - t0));
      t0 = end;
    }
  });
}

// C = op(A) op(B): computed as C^T = op(B)^T op(A)^T into a scratch buffer
// and transposed back when that orientation pads much less (small n, e.g.
// the 7x7 and 14x14 layers of a ResNet: n = 49 or 196). Only for beta == 0
// and no QDQ (per-element C indices). Bit-identical to the direct
// orientation: every element is the same FMA chain (a*b == b*a), then the
// same alpha, bias (per row <-> per column) and activation.
void RunGemm(const GemmParams& p, const float* a, const float* b,
             const GemmPackB* pack_b, float* c, const GemmEpilogue& e,
             engine::ThreadPool* pool, engine::Isa isa) {
  if (p.m <= 0 || p.n <= 0) return;
  double area = 0, area_t = 0;
  const Blocking bl = ChooseBlocking(isa, p.m, p.n, &area);
  if (p.beta == 0.0f && e.qdq == GemmQdq::kNone && p.k > 0) {
    const Blocking bt = ChooseBlocking(isa, p.n, p.m, &area_t);
    if (area_t < 0.9 * area) {
      GemmParams q = p;
      q.m = p.n;
      q.n = p.m;
      q.trans_a = !p.trans_b;
      q.lda = p.ldb;
      q.trans_b = !p.trans_a;
      q.ldb = p.lda;
      q.ldc = p.m;
      GemmEpilogue f = e;
      if (e.bias_kind == GemmBias::kPerRow) f.bias_kind = GemmBias::kPerColumn;
      if (e.bias_kind == GemmBias::kPerColumn) f.bias_kind = GemmBias::kPerRow;
      std::unique_ptr<float[]> ct(new float[p.m * p.n]);
      RunBlocked(q, b, a, pack_b, nullptr, ct.get(), f, bt, pool, isa);
      // c[i * ldc + j] = ct[j * m + i].
      PackTransposed(ct.get(), p.m, p.n, p.m, p.ldc, c);
      return;
    }
  }
  RunBlocked(p, a, b, nullptr, pack_b, c, e, bl, pool, isa);
}

}  // namespace

void Gemm(const GemmParams& p, const float* a, const float* b, float* c,
          const GemmEpilogue& e, engine::ThreadPool* pool, engine::Isa isa) {
  RunGemm(p, a, b, nullptr, c, e, pool, isa);
}

void GemmWithPackB(const GemmParams& p, const float* a, const GemmPackB& pack_b,
                   float* c, const GemmEpilogue& e, engine::ThreadPool* pool,
                   engine::Isa isa) {
  RunGemm(p, a, nullptr, &pack_b, c, e, pool, isa);
}

}  // namespace quantsim::kernels
