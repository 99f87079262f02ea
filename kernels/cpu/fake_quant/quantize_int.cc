// Quantize-only into integer containers and dequantize from them: the QDQ
// walk (qdq_walk.h) with the kOpQuantize / kOpDequantize SIMD bodies, and
// reference.h QuantizeValue / DequantizeValue for kScalar and the tails.
#include <limits>

#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/fake_quant/qdq_walk.h"

namespace quantsim::kernels {
namespace {

// Saturating float -> T; NaN -> nan_value. Bounds are compared as floats
// that are exactly representable (T's min is a power of two; for int32 the
// max is handled by comparing against 2^31). qint_simd_impl.h matches it.
template <typename T>
T SaturateTo(float v, T nan_value) {
  using L = std::numeric_limits<T>;
  if (v != v) return nan_value;
  const float lo = static_cast<float>(L::min());
  const float hi_excl = static_cast<float>(L::max()) + 1.0f;  // 2^k exact
  if (v <= lo) return L::min();
  if (v >= hi_excl) return L::max();
  return static_cast<T>(v);  // v is integral (or truncated) and in range
}

template <typename T>
T SaturateZeroPoint(float z) {
  return SaturateTo<T>(z, T{0});
}

template <typename T>
struct QuantizeBody {
  const float* x;
  T* q;
  const QdqConfig& config;

  void Scalar(int64_t pos, const QdqParam& p) const {
    const float v =
        QuantizeValue(x[pos], p, config, static_cast<uint64_t>(pos));
    q[pos] = SaturateTo<T>(v, SaturateZeroPoint<T>(p.zero_point));
  }
  void Bind(internal::QdqSimdArgs* a, int64_t pos) const {
    a->op = internal::kOpQuantize;
    a->int_type = internal::IntTypeOf<T>::kValue;
    a->x = x + pos;
    a->q_out = q + pos;
  }
};

template <typename T>
struct DequantizeBody {
  const T* q;
  float* y;

  void Scalar(int64_t pos, const QdqParam& p) const {
    y[pos] = DequantizeValue(static_cast<float>(q[pos]), p);
  }
  void Bind(internal::QdqSimdArgs* a, int64_t pos) const {
    a->op = internal::kOpDequantize;
    a->int_type = internal::IntTypeOf<T>::kValue;
    a->q_in = q + pos;
    a->y = y + pos;
  }
};

}  // namespace

template <typename T>
void QuantizeToInt(const float* x, T* q, const QdqLayout& layout,
                   const QdqParam* params, const QdqConfig& config,
                   engine::ThreadPool* pool, engine::Isa isa) {
  const QuantizeBody<T> body{x, q, config};
  const internal::QdqWalk<QuantizeBody<T>> walk{body, layout, params, config,
                                                isa};
  engine::ParallelFor(pool, layout.NumElements(), kQdqGrain,
                      [&walk](int64_t b, int64_t e) { walk.Chunk(b, e); });
}

template <typename T>
void DequantizeFromInt(const T* q, float* y, const QdqLayout& layout,
                       const QdqParam* params, engine::ThreadPool* pool,
                       engine::Isa isa) {
  const DequantizeBody<T> body{q, y};
  const QdqConfig config;  // kHalfToEven: clip bounds are not gathered
  const internal::QdqWalk<DequantizeBody<T>> walk{body, layout, params, config,
                                                  isa};
  engine::ParallelFor(pool, layout.NumElements(), kQdqGrain,
                      [&walk](int64_t b, int64_t e) { walk.Chunk(b, e); });
}

#define QS_QDQ_INT_INSTANTIATE(T)                                          \
  template void QuantizeToInt<T>(const float*, T*, const QdqLayout&,       \
                                 const QdqParam*, const QdqConfig&,        \
                                 engine::ThreadPool*, engine::Isa);        \
  template void DequantizeFromInt<T>(const T*, float*, const QdqLayout&,   \
                                     const QdqParam*, engine::ThreadPool*, \
                                     engine::Isa);
QS_QDQ_INT_INSTANTIATE(int8_t)
QS_QDQ_INT_INSTANTIATE(uint8_t)
QS_QDQ_INT_INSTANTIATE(int16_t)
QS_QDQ_INT_INSTANTIATE(uint16_t)
QS_QDQ_INT_INSTANTIATE(int32_t)
#undef QS_QDQ_INT_INSTANTIATE

}  // namespace quantsim::kernels
