// Baseline-ISA TU: chunking, ISA dispatch, the scalar reference for
// Isa::kScalar and the SIMD tails, and the minifloat per-call constants.
#include "kernels/cpu/float_quant/float_quant.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/float_quant/float_simd.h"

namespace quantsim::kernels {
namespace {

using internal::FloatSimdArgs;

constexpr int64_t kGrain = int64_t{1} << 16;

int64_t RunSimd(engine::Isa isa, const FloatSimdArgs& a) {
  internal::FloatSimdKernel k;
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

// y[k] = fn(x[k]): SIMD per chunk (proto holds the op and its constants),
// the reference `fn` for kScalar and the tails.
template <typename Fn>
void Map(const float* x, float* y, int64_t n, engine::ThreadPool* pool,
         engine::Isa isa, const FloatSimdArgs& proto, Fn fn) {
  engine::ParallelFor(pool, n, kGrain, [&](int64_t b, int64_t e) {
    FloatSimdArgs a = proto;
    a.x = x + b;
    a.y = y + b;
    a.n = e - b;
    for (int64_t k = b + RunSimd(isa, a); k < e; ++k) y[k] = fn(x[k]);
  });
}

}  // namespace

void Fp16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool, engine::Isa isa) {
  FloatSimdArgs a;
  a.op = internal::kOpFp16;
  Map(x, y, n, pool, isa, a, [](float v) { return Fp16RoundTripValue(v); });
}

void Bf16RoundTrip(const float* x, float* y, int64_t n,
                   engine::ThreadPool* pool, engine::Isa isa) {
  FloatSimdArgs a;
  a.op = internal::kOpBf16;
  Map(x, y, n, pool, isa, a, [](float v) { return Bf16RoundTripValue(v); });
}

void MinifloatQuantizeDequantize(const float* x, float* y, int64_t n,
                                 const MinifloatParams& params,
                                 engine::ThreadPool* pool, engine::Isa isa) {
  const MinifloatExponentConsts c = MakeMinifloatExponentConsts(params.bias);
  // Every |xc| <= maxval has ilogb <= ilogb(maxval), so e <= e_max.
  const int32_t e_max =
      std::max<int32_t>(1, ilogbf(params.maxval) + c.bias_floor + 1);
  std::vector<float> steps(e_max + 1, 0.0f);
  for (int32_t e = 1; e <= e_max; ++e) steps[e] = MinifloatStep(e, params);
  FloatSimdArgs a;
  a.op = internal::kOpMinifloat;
  a.maxval = params.maxval;
  a.bias_floor = c.bias_floor;
  a.mant_threshold = c.mant_threshold;
  a.e_max = e_max;
  a.step_table = steps.data();
  Map(x, y, n, pool, isa, a,
      [&](float v) { return MinifloatValueWith(v, params, c); });
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
