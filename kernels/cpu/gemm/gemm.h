// quantsim kernels: single-precision GEMM with a fused epilogue.
//
// Contract:
//   C = Epilogue(alpha * op(A) * op(B) + beta * C)
// with A, B, C row-major: op(A) is [m, k] (A stored [m, k] with row stride
// lda, or [k, m] when trans_a), op(B) is [k, n] (B stored [k, n] with row
// stride ldb, or [n, k] when trans_b), C is [m, n] with row stride ldc.
// beta == 0 means C is not read (NaN/garbage in C does not propagate).
// The epilogue, applied in this order to each finished element:
//   v += bias[i] (per row) or bias[j] (per column)
//   v = activation(v):  relu: v < 0 ? 0 : v;  clip: v < lo ? lo : (v > hi ?
//       hi : v) (relu6 = clip(0, 6));  leaky relu: v < 0 ? v * alpha : v
//       (NaN propagates through all of them)
//   v = FakeQuantValue(v, params[...], config, index) (reference.h), per
//       tensor (params[0]), per row (params[i]) or per column (params[j]),
//       index = qdq_index_base + i * n + j (the row-major index of C as if
//       ldc == n). Bit-identical to running kernels::FakeQuantize on C after
//       the GEMM without the QDQ stage.
//
// Numerics: Gemm accumulates in float, in a fixed k order per output element
// (blocks of KC, FMA on avx2/avx512), so the result is identical for every
// thread count (each element is computed by exactly one thread); it differs
// between Isas by rounding only. GemmReference accumulates in double and is
// the source of truth for tests; per element
//   |Gemm - GemmReference| <= (k + ceil(k / 128) + 8) * 2^-23 *
//       (|alpha| sum_l |a_il||b_lj| + |beta||c_ij| + |bias|)  (before QDQ)
// (k products in a chain, plus two roundings per k block of >= 256).
// Kernels only debug-check; validate untrusted input with CheckGemmArgs.
#ifndef QUANTSIM_KERNELS_CPU_GEMM_GEMM_H_
#define QUANTSIM_KERNELS_CPU_GEMM_GEMM_H_

#include <stdint.h>

#include <functional>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels {

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t lda = 0, ldb = 0, ldc = 0;
  float alpha = 1.0f;
  float beta = 0.0f;
};

// Tight leading dimensions (lda = trans_a ? m : k, ldb = trans_b ? k : n,
// ldc = n), alpha = 1, beta = 0.
GemmParams MakeGemmParams(int64_t m, int64_t n, int64_t k, bool trans_a = false,
                          bool trans_b = false);

enum class GemmBias : uint8_t { kNone, kPerRow, kPerColumn };
enum class GemmActivation : uint8_t { kNone, kRelu, kClip, kLeakyRelu };
enum class GemmQdq : uint8_t { kNone, kPerTensor, kPerRow, kPerColumn };

struct GemmEpilogue {
  GemmBias bias_kind = GemmBias::kNone;
  const float* bias = nullptr;  // m (per row) or n (per column) values
  GemmActivation activation = GemmActivation::kNone;
  float clip_lo = 0.0f, clip_hi = 6.0f;  // kClip
  float leaky_alpha = 0.01f;             // kLeakyRelu
  GemmQdq qdq = GemmQdq::kNone;
  const QdqParam* qdq_params = nullptr;  // 1, m or n entries
  QdqConfig qdq_config;
  uint64_t qdq_index_base = 0;  // stochastic rounding index of C[0, 0]
};

// The epilogue's activation on one value (shared with the references).
inline float GemmActivate(float v, const GemmEpilogue& e) {
  switch (e.activation) {
    case GemmActivation::kNone:
      return v;
    case GemmActivation::kRelu:
      return v < 0.0f ? 0.0f : v;
    case GemmActivation::kClip:
      return v < e.clip_lo ? e.clip_lo : (v > e.clip_hi ? e.clip_hi : v);
    case GemmActivation::kLeakyRelu:
      return v < 0.0f ? v * e.leaky_alpha : v;
  }
  return v;
}

// Packed, cache-blocked, register-tiled GEMM (see the file comment).
// a, b, c must not overlap c. pool may be null (calling thread only).
void Gemm(const GemmParams& p, const float* a, const float* b, float* c,
          const GemmEpilogue& epilogue = GemmEpilogue(),
          engine::ThreadPool* pool = nullptr,
          engine::Isa isa = engine::DefaultIsa());

// Writes op(B)[k0:k0+kb, n0:n0+nb] as ceil(nb / nr) panels of nr columns,
// each k-major: dst[q * nr * kb + k * nr + j] = op(B)[k0 + k, n0 + q * nr + j]
// (0 for columns past nb). Called from several pool threads at once.
using GemmPackB = std::function<void(int64_t k0, int64_t kb, int64_t n0,
                                     int64_t nb, int nr, float* dst)>;

// Gemm whose op(B) is produced by `pack_b` straight into Gemm's packed
// panels (e.g. convolution's im2col, never materialised); p.trans_b and
// p.ldb are ignored. Same numerics as Gemm on the same op(B) (bit-identical:
// only where B's values come from differs).
void GemmWithPackB(const GemmParams& p, const float* a, const GemmPackB& pack_b,
                   float* c, const GemmEpilogue& epilogue = GemmEpilogue(),
                   engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

// Scalar reference: double accumulation of alpha * sum + beta * c, rounded
// to float, then the epilogue in float exactly as in the file comment.
void GemmReference(const GemmParams& p, const float* a, const float* b,
                   float* c, const GemmEpilogue& epilogue = GemmEpilogue());

// InvalidArgument when: a size is negative; a leading dimension is smaller
// than the stored row length (or < 1); a bias or QDQ parameter pointer is
// missing for the selected kind; clip_lo > clip_hi or a bound / leaky_alpha
// is not finite; the QDQ parameters fail CheckQdqArgs.
absl::Status CheckGemmArgs(const GemmParams& p, const GemmEpilogue& epilogue);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_GEMM_GEMM_H_
