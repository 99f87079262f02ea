// quantsim kernels (internal): bodies of the grad_kernel.h functors.
//
// Include ONLY from grad_<arch>.cc. ODR rule for per-arch TUs: call nothing
// that is not templated on Arch (no std:: math, no reference.h helpers):
// such inline functions become weak symbols and the linker may keep the
// AVX-512 copy (SIGILL on AVX2). Intrinsics are always-inline builtins.
// Every float operation mirrors the scalar reference (reference.h,
// ste_backward.cc, learned_grid_backward.cc) op for op.
#include <immintrin.h>

#include <type_traits>

#include "kernels/cpu/fake_quant_grad/grad_kernel.h"

namespace quantsim::kernels::fq_grad_internal {
namespace arch_detail {

template <class A>
using BF = xsimd::batch<float, A>;
template <class A>
using BD = xsimd::batch<double, A>;

// copysign(r, v) for r >= 0 (sign bit of r clear).
template <class A>
BF<A> WithSignOf(BF<A> r, BF<A> v) {
  return r | (v & BF<A>(-0.0f));
}

// reference.h RoundHalfToEven.
template <class A>
BF<A> RoundHalfEven(BF<A> v) {
  const BF<A> big(8388608.0f);
  const BF<A> a = xsimd::abs(v);
  const BF<A> r = (a + big) - big;
  return xsimd::select(a < big, WithSignOf<A>(r, v), v);
}

// reference.h RoundHalfAway: t = trunc(v), |v - t| >= 0.5 ? t + sign : t,
// computed on |v| (same magnitudes, exact) and signed at the end.
template <class A>
BF<A> RoundHalfAway(BF<A> v) {
  const BF<A> big(8388608.0f);
  const BF<A> a = xsimd::abs(v);
  const BF<A> ta = xsimd::select(a < big, xsimd::to_float(xsimd::to_int(a)), a);
  const BF<A> ra = xsimd::select((a - ta) >= BF<A>(0.5f), ta + BF<A>(1.0f), ta);
  return WithSignOf<A>(ra, v);
}

// Exact float -> double widening of the low and high halves.
template <class A>
void Widen(BF<A> v, BD<A>& lo, BD<A>& hi) {
  if constexpr (std::is_same<A, xsimd::avx512bw>::value) {
    const __m512 r = v;
    lo = _mm512_cvtps_pd(_mm512_castps512_ps256(r));
    hi = _mm512_cvtps_pd(
        _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r), 1)));
  } else if constexpr (std::is_same<A, xsimd::avx2>::value) {
    const __m256 r = v;
    lo = _mm256_cvtps_pd(_mm256_castps256_ps128(r));
    hi = _mm256_cvtps_pd(_mm256_extractf128_ps(r, 1));
  } else {
    static_assert(std::is_same<A, xsimd::sse2>::value, "unsupported arch");
    const __m128 r = v;
    lo = _mm_cvtps_pd(r);
    hi = _mm_cvtps_pd(_mm_movehl_ps(r, r));
  }
}

// Mask bytes [p, p + size) as int32 lanes.
template <class A>
xsimd::batch<int32_t, A> LoadMaskBytes(const uint8_t* p) {
  if constexpr (std::is_same<A, xsimd::avx512bw>::value) {
    return _mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  } else if constexpr (std::is_same<A, xsimd::avx2>::value) {
    return _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  } else {
    static_assert(std::is_same<A, xsimd::sse2>::value, "unsupported arch");
    int32_t word;
    __builtin_memcpy(&word, p, 4);
    const __m128i zero = _mm_setzero_si128();
    const __m128i b = _mm_cvtsi32_si128(word);
    return _mm_unpacklo_epi16(_mm_unpacklo_epi8(b, zero), zero);
  }
}

}  // namespace arch_detail

template <class Arch>
int64_t SteMaskKernel::operator()(Arch, const float* dy, const uint8_t* mask,
                                  float* dx, int64_t n) const {
  using B = arch_detail::BF<Arch>;
  constexpr int64_t kSize = B::size;
  const int64_t end = n - n % kSize;
  const B zero(0.0f);
  for (int64_t i = 0; i < end; i += kSize) {
    const auto m =
        xsimd::to_float(arch_detail::LoadMaskBytes<Arch>(mask + i)) != zero;
    xsimd::select(m, B::load_unaligned(dy + i), zero).store_unaligned(dx + i);
  }
  return end;
}

template <class Arch>
int64_t SteRecomputeKernel::operator()(Arch, const float* x, const float* dy,
                                       float* dx, int64_t n,
                                       const SteGrid& grid) const {
  using B = arch_detail::BF<Arch>;
  constexpr int64_t kSize = B::size;
  const int64_t end = n - n % kSize;
  const B s(grid.scale), z(grid.zero_point), lo(grid.qmin), hi(grid.qmax);
  const B clo(grid.clip_lo), chi(grid.clip_hi), zero(0.0f);
  for (int64_t i = 0; i < end; i += kSize) {
    const B xv = B::load_unaligned(x + i);
    const B g = B::load_unaligned(dy + i);
    if (grid.half_even) {
      const B r = arch_detail::RoundHalfEven<Arch>(xv / s) + z;
      xsimd::select((r >= lo) & (r <= hi), g, zero).store_unaligned(dx + i);
    } else {
      xsimd::select((xv >= clo) & (xv <= chi), g, zero).store_unaligned(dx + i);
    }
  }
  return end;
}

template <class Arch>
int64_t LearnedGridKernel::operator()(Arch, const float* x, const float* dy,
                                      float* dx, float* x_hat, int64_t n,
                                      const LearnedGrid& grid, double* sum_s,
                                      double* sum_o) const {
  using B = arch_detail::BF<Arch>;
  using D = arch_detail::BD<Arch>;
  constexpr int64_t kSize = B::size;
  const int64_t end = n - n % kSize;
  const B s(grid.scale), off(grid.offset), lo(grid.qlo), hi(grid.qhi);
  const B zero(0.0f);
  D acc_s_lo(0.0), acc_s_hi(0.0), acc_o_lo(0.0), acc_o_hi(0.0);
  for (int64_t i = 0; i < end; i += kSize) {
    const B xv = B::load_unaligned(x + i);
    const B g = B::load_unaligned(dy + i);
    const B u = xv / s;
    const B rnd = grid.half_even ? arch_detail::RoundHalfEven<Arch>(u)
                                 : arch_detail::RoundHalfAway<Arch>(u);
    const B r = rnd - off;
    const auto in = (r >= lo) & (r <= hi);
    const B q = xsimd::select(r < lo, lo, xsimd::select(r > hi, hi, r));
    const B qo = q + off;
    if (x_hat != nullptr) (qo * s).store_unaligned(x_hat + i);
    if (dx != nullptr) xsimd::select(in, g, zero).store_unaligned(dx + i);
    const B d = xsimd::select(in, rnd - u, qo);
    const B go = xsimd::select(in, zero, g);
    D g_lo, g_hi, d_lo, d_hi, go_lo, go_hi;
    arch_detail::Widen<Arch>(g, g_lo, g_hi);
    arch_detail::Widen<Arch>(d, d_lo, d_hi);
    arch_detail::Widen<Arch>(go, go_lo, go_hi);
    // g * d is exact in double (24 + 24 significant bits), so contraction
    // into an FMA could not change the sum either.
    acc_s_lo = acc_s_lo + g_lo * d_lo;
    acc_s_hi = acc_s_hi + g_hi * d_hi;
    acc_o_lo = acc_o_lo + go_lo;
    acc_o_hi = acc_o_hi + go_hi;
  }
  // Fixed lane order: low half lanes 0.., then high half lanes 0...
  alignas(64) double lanes[4][D::size];
  acc_s_lo.store_aligned(lanes[0]);
  acc_s_hi.store_aligned(lanes[1]);
  acc_o_lo.store_aligned(lanes[2]);
  acc_o_hi.store_aligned(lanes[3]);
  double ts = 0.0, to = 0.0;
  for (int64_t j = 0; j < static_cast<int64_t>(D::size); ++j) ts += lanes[0][j];
  for (int64_t j = 0; j < static_cast<int64_t>(D::size); ++j) ts += lanes[1][j];
  for (int64_t j = 0; j < static_cast<int64_t>(D::size); ++j) to += lanes[2][j];
  for (int64_t j = 0; j < static_cast<int64_t>(D::size); ++j) to += lanes[3][j];
  *sum_s += ts;
  *sum_o += to;
  return end;
}

}  // namespace quantsim::kernels::fq_grad_internal
