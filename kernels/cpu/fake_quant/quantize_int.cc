// Quantize-only into integer containers and dequantize from them: threaded
// scalar reference (reference.h QuantizeValue / DequantizeValue).
#include <limits>

#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/fake_quant/layout_walk.h"

namespace quantsim::kernels {
namespace {

// Saturating float -> T; NaN -> nan_value. Bounds are compared as floats
// that are exactly representable (T's min is a power of two; for int32 the
// max is handled by comparing against 2^31).
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

}  // namespace

template <typename T>
void QuantizeToInt(const float* x, T* q, const QdqLayout& layout,
                   const QdqParam* params, const QdqConfig& config,
                   engine::ThreadPool* pool, engine::Isa /*isa*/) {
  engine::ParallelFor(
      pool, layout.NumElements(), kQdqGrain, [&](int64_t b, int64_t e) {
        internal::ParamCursor c(layout, b);
        for (int64_t pos = b; pos < e; ++pos, c.Next()) {
          const QdqParam& p = params[c.index()];
          const float v =
              QuantizeValue(x[pos], p, config, static_cast<uint64_t>(pos));
          q[pos] = SaturateTo<T>(v, SaturateZeroPoint<T>(p.zero_point));
        }
      });
}

template <typename T>
void DequantizeFromInt(const T* q, float* y, const QdqLayout& layout,
                       const QdqParam* params, engine::ThreadPool* pool,
                       engine::Isa /*isa*/) {
  engine::ParallelFor(
      pool, layout.NumElements(), kQdqGrain, [&](int64_t b, int64_t e) {
        internal::ParamCursor c(layout, b);
        for (int64_t pos = b; pos < e; ++pos, c.Next()) {
          y[pos] =
              DequantizeValue(static_cast<float>(q[pos]), params[c.index()]);
        }
      });
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
