// quantsim kernels (internal): GEMM micro-kernel template body. Include ONLY
// from micro_kernel_<arch>.cc. ODR rule: call nothing that is not templated
// on Arch (no std:: scalar helpers) - see BAZEL.md.
#include <immintrin.h>

#include <type_traits>

#include "kernels/cpu/gemm/micro_kernel.h"

namespace quantsim::kernels::internal {

// a * b + c with one rounding where the arch has FMA (sse2: mul + add).
template <class Arch>
xsimd::batch<float, Arch> Fma(xsimd::batch<float, Arch> a,
                              xsimd::batch<float, Arch> b,
                              xsimd::batch<float, Arch> c) {
  if constexpr (std::is_same<Arch, xsimd::avx512bw>::value) {
    return _mm512_fmadd_ps(a, b, c);
  } else {
    return xsimd::fma(a, b, c);
  }
}

template <int kMr, int kNv>
template <class Arch>
void GemmMicroKernel<kMr, kNv>::operator()(Arch, const GemmMicroArgs& a) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int kS = static_cast<int>(B::size);
  constexpr int kNr = kNv * kS;
  static_assert(kS == GemmTiles<Arch>::kLanes, "lanes");
  B acc[kMr][kNv];
#pragma GCC unroll 32
  for (int i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) acc[i][j] = B(0.0f);
  }
  const float* pa = a.a;
  const float* pb = a.b;
  for (int64_t k = 0; k < a.kc; ++k, pa += kMr, pb += kNr) {
    B bv[kNv];
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) bv[j] = B::load_aligned(pb + j * kS);
#pragma GCC unroll 32
    for (int i = 0; i < kMr; ++i) {
      const B ai(pa[i]);
#pragma GCC unroll 4
      for (int j = 0; j < kNv; ++j) acc[i][j] = Fma<Arch>(ai, bv[j], acc[i][j]);
    }
  }
  const B alpha(a.alpha), c_scale(a.c_scale), zero(0.0f);
  const B lo(a.act_lo), hi(a.act_hi), leaky(a.leaky);
#pragma GCC unroll 32
  for (int i = 0; i < kMr; ++i) {
    float* c = a.c + i * a.ldc;
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) {
      B v = acc[i][j] * alpha;
      if (a.load_c) v = v + B::load_unaligned(c + j * kS) * c_scale;
      if (a.last) {
        if (a.bias_row != nullptr) v = v + B(a.bias_row[i]);
        if (a.bias_col != nullptr)
          v = v + B::load_unaligned(a.bias_col + j * kS);
        switch (a.activation) {
          case kActRelu:
            v = xsimd::select(v < zero, zero, v);
            break;
          case kActClip:
            v = xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v));
            break;
          case kActLeaky:
            v = xsimd::select(v < zero, v * leaky, v);
            break;
          default:
            break;
        }
      }
      v.store_unaligned(c + j * kS);
    }
  }
}

}  // namespace quantsim::kernels::internal
