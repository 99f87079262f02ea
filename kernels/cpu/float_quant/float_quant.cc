#include "kernels/cpu/float_quant/float_quant.h"

#include "absl/strings/str_cat.h"

namespace quantsim::kernels {
namespace {

constexpr int64_t kGrain = int64_t{1} << 16;

template <typename Fn>
void Map(const float* x, float* y, int64_t n, engine::ThreadPool* pool, Fn fn) {
  engine::ParallelFor(pool, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) y[k] = fn(x[k]);
  });
}

}  // namespace

void Fp16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool, engine::Isa) {
  Map(x, y, n, pool, [](float v) { return Fp16RoundTripValue(v); });
}

void Bf16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool, engine::Isa) {
  Map(x, y, n, pool, [](float v) { return Bf16RoundTripValue(v); });
}

void MinifloatQuantizeDequantize(const float* x, float* y, int64_t n,
                                 const MinifloatParams& params,
                                 engine::ThreadPool* pool, engine::Isa) {
  Map(x, y, n, pool, [&params](float v) { return MinifloatValue(v, params); });
}

absl::Status CheckMinifloatArgs(int exponent_bits, int mantissa_bits,
                                float maxval) {
  if (exponent_bits < 1 || exponent_bits > 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        "minifloat: exponent_bits must be in [1, 8], got ", exponent_bits));
  }
  if (mantissa_bits < 0 || mantissa_bits > 23) {
    return absl::InvalidArgumentError(absl::StrCat(
        "minifloat: mantissa_bits must be in [0, 23], got ", mantissa_bits));
  }
  if (!isfinite(maxval) || !(maxval > 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("minifloat: maxval must be finite and > 0, got ", maxval));
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
