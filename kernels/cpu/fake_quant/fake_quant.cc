// Baseline-ISA TU: ISA dispatch of the SIMD kernels and FakeQuantize (the
// layout walk is qdq_walk.h). Only baseline TUs call reference.h helpers.
#include "kernels/cpu/fake_quant/fake_quant.h"

#include <stdint.h>

#include "kernels/cpu/fake_quant/qdq_walk.h"

namespace quantsim::kernels {
namespace internal {

int64_t RunQdqSimd(engine::Isa isa, const QdqSimdArgs& a) {
  QdqSimdKernel k;
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

}  // namespace internal

namespace {

struct QdqBody {
  const float* x;
  float* y;
  uint8_t* mask;
  const QdqConfig& config;

  void Scalar(int64_t pos, const QdqParam& p) const {
    const float v = x[pos];  // read before writing y (in place)
    if (mask != nullptr) mask[pos] = QdqMaskValue(v, p, config);
    y[pos] = FakeQuantValue(v, p, config, static_cast<uint64_t>(pos));
  }
  void Bind(internal::QdqSimdArgs* a, int64_t pos) const {
    a->op = internal::kOpQdq;
    a->x = x + pos;
    a->y = y + pos;
    a->mask = mask != nullptr ? mask + pos : nullptr;
  }
};

}  // namespace

void FakeQuantize(const float* x, float* y, uint8_t* mask,
                  const QdqLayout& layout, const QdqParam* params,
                  const QdqConfig& config, engine::ThreadPool* pool,
                  engine::Isa isa) {
  const int64_t n = layout.NumElements();
  const QdqBody body{x, y, mask, config};
  const internal::QdqWalk<QdqBody> walk{body, layout, params, config, isa};
  engine::ParallelFor(pool, n, kQdqGrain,
                      [&walk](int64_t b, int64_t e) { walk.Chunk(b, e); });
}

}  // namespace quantsim::kernels
