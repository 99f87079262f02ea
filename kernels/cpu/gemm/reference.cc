// GemmReference (double accumulation), MakeGemmParams and CheckGemmArgs.
#include <math.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/gemm/gemm.h"

namespace quantsim::kernels {

GemmParams MakeGemmParams(int64_t m, int64_t n, int64_t k, bool trans_a,
                          bool trans_b) {
  GemmParams p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.trans_a = trans_a;
  p.trans_b = trans_b;
  p.lda = std::max<int64_t>(1, trans_a ? m : k);
  p.ldb = std::max<int64_t>(1, trans_b ? k : n);
  p.ldc = std::max<int64_t>(1, n);
  return p;
}

void GemmReference(const GemmParams& p, const float* a, const float* b,
                   float* c, const GemmEpilogue& e) {
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      double acc = 0.0;
      for (int64_t l = 0; l < p.k; ++l) {
        const float av = p.trans_a ? a[l * p.lda + i] : a[i * p.lda + l];
        const float bv = p.trans_b ? b[j * p.ldb + l] : b[l * p.ldb + j];
        acc += static_cast<double>(av) * static_cast<double>(bv);
      }
      float* cij = c + i * p.ldc + j;
      double t = static_cast<double>(p.alpha) * acc;
      if (p.beta != 0.0f) t += static_cast<double>(p.beta) * *cij;
      float v = static_cast<float>(t);
      if (e.bias_kind == GemmBias::kPerRow) v += e.bias[i];
      if (e.bias_kind == GemmBias::kPerColumn) v += e.bias[j];
      v = GemmActivate(v, e);
      if (e.qdq != GemmQdq::kNone) {
        const int64_t pi = e.qdq == GemmQdq::kPerRow
                               ? i
                               : (e.qdq == GemmQdq::kPerColumn ? j : 0);
        v = FakeQuantValue(
            v, e.qdq_params[pi], e.qdq_config,
            e.qdq_index_base + static_cast<uint64_t>(i * p.n + j));
      }
      *cij = v;
    }
  }
}

absl::Status CheckGemmArgs(const GemmParams& p, const GemmEpilogue& e) {
  auto bad = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat("Gemm: ", parts...));
  };
  if (p.m < 0 || p.n < 0 || p.k < 0) {
    return bad("negative size m=", p.m, " n=", p.n, " k=", p.k);
  }
  const int64_t a_row = p.trans_a ? p.m : p.k;
  const int64_t b_row = p.trans_b ? p.k : p.n;
  if (p.lda < std::max<int64_t>(1, a_row)) {
    return bad("lda=", p.lda, " < ", a_row);
  }
  if (p.ldb < std::max<int64_t>(1, b_row)) {
    return bad("ldb=", p.ldb, " < ", b_row);
  }
  if (p.ldc < std::max<int64_t>(1, p.n)) return bad("ldc=", p.ldc, " < ", p.n);
  if (e.bias_kind != GemmBias::kNone && e.bias == nullptr) {
    return bad("bias is null");
  }
  if (e.activation == GemmActivation::kClip &&
      !(isfinite(e.clip_lo) && isfinite(e.clip_hi) && e.clip_lo <= e.clip_hi)) {
    return bad("bad clip range [", e.clip_lo, ", ", e.clip_hi, "]");
  }
  if (e.activation == GemmActivation::kLeakyRelu && !isfinite(e.leaky_alpha)) {
    return bad("leaky_alpha is not finite");
  }
  if (e.qdq != GemmQdq::kNone) {
    const int64_t np = e.qdq == GemmQdq::kPerRow
                           ? p.m
                           : (e.qdq == GemmQdq::kPerColumn ? p.n : 1);
    QdqLayout l = PerTensorLayout(1);
    l.inner = np;
    l.vary_inner = true;
    if (np < 1) return absl::OkStatus();  // empty output: nothing to check
    absl::Status s = CheckQdqArgs(l, e.qdq_params, np, e.qdq_config);
    if (!s.ok()) return bad("QDQ epilogue: ", s.message());
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
