// quantsim kernels (internal): QDQ template body. Include ONLY from
// qdq_simd_<arch>.cc. ODR rule: call nothing that is not templated on Arch
// (no std:: scalar helpers, no reference.h functions) - see BAZEL.md.
//
// Each helper mirrors one reference.h function with the same IEEE ops:
//   Trunc / Floor keep the sign of zero like truncf / floorf;
//   RoundHalfToEven: (|v| + 2^23) - 2^23 with v's sign, v itself if
//   |v| >= 2^23 or NaN; RoundHalfAway: t + copysign(1, v) if |v - t| >= 0.5.
#include "kernels/cpu/fake_quant/qdq_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct QdqSimdOps {
  using B = xsimd::batch<float, Arch>;
  using M = xsimd::batch_bool<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  using U = xsimd::batch<uint32_t, Arch>;
  static constexpr int64_t kSize = static_cast<int64_t>(B::size);

  static B SignOf(B v) { return v & B(-0.0f); }
  static B Trunc(B v) {
    const B a = xsimd::abs(v);
    const B t = xsimd::to_float(xsimd::to_int(a)) | SignOf(v);
    return xsimd::select(a < B(8388608.0f), t, v);
  }
  static B Floor(B v) {
    const B t = Trunc(v);
    return xsimd::select(t > v, t - B(1.0f), t);
  }
  static B RoundHalfToEven(B v) {
    const B a = xsimd::abs(v);
    const B r = ((a + B(8388608.0f)) - B(8388608.0f)) | SignOf(v);
    return xsimd::select(a < B(8388608.0f), r, v);
  }
  static B RoundHalfAway(B v) {
    const B t = Trunc(v);
    return xsimd::select(xsimd::abs(v - t) >= B(0.5f),
                         t + (B(1.0f) | SignOf(v)), t);
  }
  static B ClampKeepNan(B v, B lo, B hi) {
    return xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v));
  }
  static B ClampNanToHi(B v, B lo, B hi) {
    return xsimd::select(v >= lo, xsimd::select(v <= hi, v, hi),
                         xsimd::select(v < lo, lo, hi));
  }
  static U Mix32(U x) {
    x ^= x >> 16;
    x *= U(0x7feb352dU);
    x ^= x >> 15;
    x *= U(0x846ca68bU);
    x ^= x >> 16;
    return x;
  }
  // StochasticUniformFromSalt for index_lo + 0 .. kSize - 1.
  static B Uniform(uint32_t salt, uint32_t index_lo) {
    alignas(64) uint32_t idx[kSize];
    for (int64_t k = 0; k < kSize; ++k) idx[k] = index_lo + uint32_t(k);
    const U h = Mix32(U::load_aligned(idx) ^ U(salt)) >> 8;
    return xsimd::to_float(xsimd::bitwise_cast<I>(h)) * B(5.9604645e-08f);
  }
  static void StoreMask(M m, uint8_t* out) {
    alignas(64) int32_t buf[kSize];
    xsimd::to_int(xsimd::select(m, B(1.0f), B(0.0f))).store_aligned(buf);
    for (int64_t k = 0; k < kSize; ++k) out[k] = static_cast<uint8_t>(buf[k]);
  }

  template <int kRound, bool kSoa, bool kMask>
  static int64_t Run(const QdqSimdArgs& a) {
    const int64_t end = a.n - a.n % kSize;
    const B qmin(a.qmin), qmax(a.qmax);
    B s(a.scale), z(a.zero_point), lo(a.clip_lo), hi(a.clip_hi);
    for (int64_t k = 0; k < end; k += kSize) {
      if (kSoa) {
        s = B::load_unaligned(a.soa_scale + k);
        z = B::load_unaligned(a.soa_zero_point + k);
        if (kRound != 0) {
          lo = B::load_unaligned(a.soa_clip_lo + k);
          hi = B::load_unaligned(a.soa_clip_hi + k);
        }
      }
      const B x = B::load_unaligned(a.x + k);
      B q;
      M m;
      if (kRound == 0) {  // kHalfToEven
        const B r = RoundHalfToEven(x / s) + z;
        q = ClampKeepNan(r, qmin, qmax);
        if (kMask) m = (r >= qmin) & (r <= qmax);
      } else {
        const B xc = ClampNanToHi(x, lo, hi);
        if (kRound == 1) {  // kHalfAwayFromZero
          q = RoundHalfAway(xc / s + z);
        } else {  // kStochastic
          const B t = xc / s + z;
          const B u = Uniform(a.salt, a.index_lo + uint32_t(k));
          q = ClampKeepNan(Floor(t + u), qmin, qmax);
        }
        if (kMask) m = (x >= lo) & (x <= hi);
      }
      const B y = (q - z) * s;
      y.store_unaligned(a.y + k);
      if (kMask) StoreMask(m, a.mask + k);
    }
    return end;
  }

  template <int kRound, bool kSoa>
  static int64_t WithMask(const QdqSimdArgs& a) {
    return a.mask != nullptr ? Run<kRound, kSoa, true>(a)
                             : Run<kRound, kSoa, false>(a);
  }
  template <int kRound>
  static int64_t WithSoa(const QdqSimdArgs& a) {
    return a.soa_scale != nullptr ? WithMask<kRound, true>(a)
                                  : WithMask<kRound, false>(a);
  }
};

template <class Arch>
int64_t QdqSimdKernel::operator()(Arch, const QdqSimdArgs& a) const {
  using Ops = QdqSimdOps<Arch>;
  switch (a.rounding) {
    case 0:
      return Ops::template WithSoa<0>(a);
    case 1:
      return Ops::template WithSoa<1>(a);
    default:
      return Ops::template WithSoa<2>(a);
  }
}

}  // namespace quantsim::kernels::internal
