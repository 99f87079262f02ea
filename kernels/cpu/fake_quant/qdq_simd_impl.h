// quantsim kernels (internal): QDQ template bodies. Include ONLY from
// qdq_simd_<arch>.cc. ODR rule: call nothing that is not templated on Arch
// (no std:: scalar helpers, no reference.h functions) - see BAZEL.md.
// The element-wise helpers (rounding, clamps, RNG) are in qdq_simd_ops.h;
// quantize-to-int / dequantize-from-int bodies in qint_simd_impl.h.
#include <limits>
#include <type_traits>

#include "kernels/cpu/fake_quant/qdq_simd.h"
#include "kernels/cpu/fake_quant/qdq_simd_ops.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct QdqSimdOps : SimdOps<Arch> {
  using Base = SimdOps<Arch>;
  using Base::kSize;
  using typename Base::B;
  using typename Base::M;

  // Per-batch parameters: broadcast, or loaded from the SoA tile at k.
  struct Params {
    B s, z, lo, hi;
    template <int kRound, bool kSoa>
    void Load(const QdqSimdArgs& a, int64_t k) {
      if (!kSoa) return;
      s = B::load_unaligned(a.soa_scale + k);
      z = B::load_unaligned(a.soa_zero_point + k);
      if (kRound != 0) {
        lo = B::load_unaligned(a.soa_clip_lo + k);
        hi = B::load_unaligned(a.soa_clip_hi + k);
      }
    }
  };
  static Params Broadcast(const QdqSimdArgs& a) {
    return Params{B(a.scale), B(a.zero_point), B(a.clip_lo), B(a.clip_hi)};
  }

  // reference.h QuantizeValue for elements k .. k + kSize - 1; *r gets the
  // unclamped integer of kHalfToEven (for the mask).
  template <int kRound>
  static B Quantize(const QdqSimdArgs& a, int64_t k, B x, const Params& p,
                    B* r) {
    const B qmin(a.qmin), qmax(a.qmax);
    if (kRound == 0) {  // kHalfToEven
      *r = Base::RoundHalfToEven(x / p.s) + p.z;
      return Base::ClampKeepNan(*r, qmin, qmax);
    }
    const B xc = Base::ClampNanToHi(x, p.lo, p.hi);
    if (kRound == 1) return Base::RoundHalfAway(xc / p.s + p.z);
    const B t = xc / p.s + p.z;  // kStochastic
    const B u = Base::Uniform(a.salt, a.index_lo + uint32_t(k));
    return Base::ClampKeepNan(Base::Floor(t + u), qmin, qmax);
  }

  static void StoreMask(M m, uint8_t* out) {
    alignas(64) int32_t buf[kSize];
    xsimd::to_int(xsimd::select(m, B(1.0f), B(0.0f))).store_aligned(buf);
    for (int64_t k = 0; k < kSize; ++k) out[k] = static_cast<uint8_t>(buf[k]);
  }

  template <int kRound, bool kSoa, bool kMask>
  static int64_t Run(const QdqSimdArgs& a) {
    const int64_t end = a.n - a.n % kSize;
    Params p = Broadcast(a);
    for (int64_t k = 0; k < end; k += kSize) {
      p.template Load<kRound, kSoa>(a, k);
      const B x = B::load_unaligned(a.x + k);
      B r;
      const B q = Quantize<kRound>(a, k, x, p, &r);
      const B y = (q - p.z) * p.s;
      y.store_unaligned(a.y + k);
      if (kMask) {
        const M m = kRound == 0 ? (r >= B(a.qmin)) & (r <= B(a.qmax))
                                : (x >= p.lo) & (x <= p.hi);
        StoreMask(m, a.mask + k);
      }
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
  static int64_t Dispatch(const QdqSimdArgs& a) {
    switch (a.rounding) {
      case 0:
        return WithSoa<0>(a);
      case 1:
        return WithSoa<1>(a);
      default:
        return WithSoa<2>(a);
    }
  }
};

}  // namespace quantsim::kernels::internal

#include "kernels/cpu/fake_quant/qint_simd_impl.h"

namespace quantsim::kernels::internal {

template <class Arch>
int64_t QdqSimdKernel::operator()(Arch, const QdqSimdArgs& a) const {
  switch (a.op) {
    case kOpQuantize:
      return QintSimdOps<Arch>::Quantize(a);
    case kOpDequantize:
      return QintSimdOps<Arch>::Dequantize(a);
    default:
      return QdqSimdOps<Arch>::Dispatch(a);
  }
}

}  // namespace quantsim::kernels::internal
