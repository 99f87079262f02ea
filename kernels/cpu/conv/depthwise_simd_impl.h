// quantsim kernels (internal): depthwise row kernel body. Include ONLY from
// depthwise_simd_<arch>.cc (ODR rule of BAZEL.md: nothing untemplated).
#include <immintrin.h>

#include <type_traits>

#include "kernels/cpu/conv/depthwise_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
int64_t DwRowKernel::operator()(Arch, const DwRowArgs& a) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t kS = static_cast<int64_t>(B::size);
  constexpr int64_t kU = 4;  // independent accumulators
  const int64_t end = a.n - a.n % kS;
  const B bias(a.bias), zero(0.0f), lo(a.act_lo), hi(a.act_hi), leaky(a.leaky);
  auto fma = [](B x, B y, B z) -> B {
    if constexpr (std::is_same<Arch, xsimd::avx512bw>::value) {
      return _mm512_fmadd_ps(x, y, z);
    } else {
      return xsimd::fma(x, y, z);
    }
  };
  auto finish = [&](B v, float* out) {
    v = v + bias;
    switch (a.activation) {
      case 1:
        v = xsimd::select(v < zero, zero, v);
        break;
      case 2:
        v = xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v));
        break;
      case 3:
        v = xsimd::select(v < zero, v * leaky, v);
        break;
      default:
        break;
    }
    v.store_unaligned(out);
  };
  int64_t q = 0;
  for (; q + kU * kS <= end; q += kU * kS) {
    B acc[kU];
#pragma GCC unroll 4
    for (int u = 0; u < kU; ++u) acc[u] = zero;
    for (int64_t t = 0; t < a.taps; ++t) {
      const B wt(a.w[t]);
      const float* c = a.col + t * a.ld_col + q;
#pragma GCC unroll 4
      for (int u = 0; u < kU; ++u) {
        acc[u] = fma(wt, B::load_unaligned(c + u * kS), acc[u]);
      }
    }
#pragma GCC unroll 4
    for (int u = 0; u < kU; ++u) finish(acc[u], a.out + q + u * kS);
  }
  for (; q < end; q += kS) {
    B acc = zero;
    for (int64_t t = 0; t < a.taps; ++t) {
      acc = fma(B(a.w[t]), B::load_unaligned(a.col + t * a.ld_col + q), acc);
    }
    finish(acc, a.out + q);
  }
  return end;
}

}  // namespace quantsim::kernels::internal
