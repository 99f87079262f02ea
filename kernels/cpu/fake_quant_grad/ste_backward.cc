#include "kernels/cpu/fake_quant_grad/ste_backward.h"

#include <assert.h>

#include <algorithm>

#include "kernels/cpu/fake_quant_grad/grad_kernel.h"

namespace quantsim::kernels {
namespace {

using fq_grad_internal::SteGrid;
using fq_grad_internal::SteMaskKernel;
using fq_grad_internal::SteRecomputeKernel;

engine::Isa Usable(engine::Isa isa) {
  return engine::IsaSupported(isa) ? isa : engine::Isa::kScalar;
}

void MaskRun(engine::Isa isa, const float* dy, const uint8_t* mask, float* dx,
             int64_t n) {
  int64_t done = 0;
  switch (isa) {
    case engine::Isa::kSse2:
      done = SteMaskKernel{}(xsimd::sse2{}, dy, mask, dx, n);
      break;
    case engine::Isa::kAvx2:
      done = SteMaskKernel{}(xsimd::avx2{}, dy, mask, dx, n);
      break;
    case engine::Isa::kAvx512:
      done = SteMaskKernel{}(xsimd::avx512bw{}, dy, mask, dx, n);
      break;
    case engine::Isa::kScalar:
      break;
  }
  for (int64_t i = done; i < n; ++i) dx[i] = SteGradValue(dy[i], mask[i]);
}

void RecomputeRun(engine::Isa isa, const float* x, const float* dy, float* dx,
                  int64_t n, const QdqParam& p, const QdqConfig& c) {
  const SteGrid grid{p.scale,
                     p.zero_point,
                     c.qmin,
                     c.qmax,
                     p.clip_lo,
                     p.clip_hi,
                     c.rounding == RoundingMode::kHalfToEven};
  int64_t done = 0;
  switch (isa) {
    case engine::Isa::kSse2:
      done = SteRecomputeKernel{}(xsimd::sse2{}, x, dy, dx, n, grid);
      break;
    case engine::Isa::kAvx2:
      done = SteRecomputeKernel{}(xsimd::avx2{}, x, dy, dx, n, grid);
      break;
    case engine::Isa::kAvx512:
      done = SteRecomputeKernel{}(xsimd::avx512bw{}, x, dy, dx, n, grid);
      break;
    case engine::Isa::kScalar:
      break;
  }
  for (int64_t i = done; i < n; ++i) {
    dx[i] = SteGradValue(dy[i], QdqMaskValue(x[i], p, c));
  }
}

}  // namespace

void QdqSteBackward(const float* dy, const uint8_t* mask, float* dx, int64_t n,
                    engine::ThreadPool* pool, engine::Isa isa) {
  assert(n >= 0);
  isa = Usable(isa);
  engine::ParallelFor(pool, n, kSteGrain, [&](int64_t b, int64_t e) {
    MaskRun(isa, dy + b, mask + b, dx + b, e - b);
  });
}

void QdqSteBackwardRecompute(const float* x, const float* dy, float* dx,
                             const QdqLayout& layout, const QdqParam* params,
                             const QdqConfig& config, engine::ThreadPool* pool,
                             engine::Isa isa) {
  assert(layout.outer >= 0 && layout.axis >= 0 && layout.inner >= 0);
  assert(layout.block >= 1);
  isa = Usable(isa);
  const int64_t n = layout.NumElements();
  const int64_t inner = layout.inner;
  engine::ParallelFor(pool, n, kSteGrain, [&](int64_t b, int64_t e) {
    // Walk the chunk as pieces of runs of `inner` elements sharing (o, a).
    int64_t idx = b;
    while (idx < e) {
      const int64_t run = idx / inner;
      const int64_t i0 = idx - run * inner;
      const int64_t len = std::min(inner - i0, e - idx);
      const int64_t base =
          layout.RunParamIndex(run / layout.axis, run % layout.axis);
      if (layout.vary_inner) {
        for (int64_t k = 0; k < len; ++k) {
          dx[idx + k] = SteGradValue(
              dy[idx + k],
              QdqMaskValue(x[idx + k], params[base + i0 + k], config));
        }
      } else {
        RecomputeRun(isa, x + idx, dy + idx, dx + idx, len, params[base],
                     config);
      }
      idx += len;
    }
  });
}

}  // namespace quantsim::kernels
