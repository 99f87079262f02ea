// quantsim kernels (internal): unary SIMD template bodies. Include ONLY from
// unary_simd_<arch>.cc. ODR rule: call nothing that is not templated on Arch
// (no std:: scalar math, no unary_reference.h) - see BAZEL.md.
//
// Each body mirrors unary_reference.h with the same IEEE operations in the
// same order; exp/tanh/erf are xsimd's (not bit-exact with std::).
#include "kernels/cpu/unary/unary_constants.h"
#include "kernels/cpu/unary/unary_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct UnarySimdOps {
  using B = xsimd::batch<float, Arch>;
  static constexpr int64_t kSize = static_cast<int64_t>(B::size);

  // Sign flip like scalar unary minus (xsimd's operator- may compute 0 - x,
  // which turns -0 into +0).
  static B Negate(B v) { return v ^ B(-0.0f); }
  static B HardSigmoid(B x, B a, B b) {
    const B v = a * x + b;
    return xsimd::select(v < B(0.0f), B(0.0f),
                         xsimd::select(v > B(1.0f), B(1.0f), v));
  }

  // Op numbers follow UnaryOp (unary.h).
  template <int kOp>
  static B Fwd(B x, B a, B b) {
    using namespace unary_ref;  // NOLINT: constants
    if constexpr (kOp == 0) {   // Relu
      return xsimd::select(x < B(0.0f), B(0.0f), x);
    } else if constexpr (kOp == 1) {  // LeakyRelu
      return xsimd::select(x < B(0.0f), a * x, x);
    } else if constexpr (kOp == 5) {  // GeluErf
      return B(0.5f) * x * (B(1.0f) + xsimd::erf(x * B(kSqrt1_2)));
    } else if constexpr (kOp == 6) {  // GeluTanh
      return B(0.5f) * x *
             (B(1.0f) +
              xsimd::tanh(B(kSqrt2OverPi) * (x + B(kGeluC) * x * x * x)));
    } else if constexpr (kOp == 7) {  // Sigmoid
      return B(1.0f) / (B(1.0f) + xsimd::exp(Negate(x)));
    } else if constexpr (kOp == 8) {  // Tanh
      return xsimd::tanh(x);
    } else if constexpr (kOp == 9) {  // HardSigmoid
      return HardSigmoid(x, a, b);
    } else if constexpr (kOp == 10) {  // HardSwish
      return x * HardSigmoid(x, B(kHardSwishAlpha), B(0.5f));
    } else if constexpr (kOp == 14) {  // Clip
      return xsimd::select(x < a, a, xsimd::select(x > b, b, x));
    } else if constexpr (kOp == 15) {  // Exp
      return xsimd::exp(x);
    } else if constexpr (kOp == 19) {  // Abs
      return xsimd::abs(x);
    } else {  // 20: Neg
      return Negate(x);
    }
  }

  template <int kOp>
  static B Bwd(B x, B y, B dy, B a, B b) {
    using namespace unary_ref;  // NOLINT: constants
    const B zero(0.0f), one(1.0f);
    if constexpr (kOp == 0) {
      return xsimd::select(x > zero, dy, zero);
    } else if constexpr (kOp == 1) {
      return xsimd::select(x > zero, dy, dy * a);
    } else if constexpr (kOp == 5) {
      const B cdf = B(0.5f) * (one + xsimd::erf(x * B(kSqrt1_2)));
      const B pdf = B(kInvSqrt2Pi) * xsimd::exp(B(-0.5f) * x * x);
      return dy * (cdf + x * pdf);
    } else if constexpr (kOp == 6) {
      const B x2 = x * x;
      const B t = xsimd::tanh(B(kSqrt2OverPi) * (x + B(kGeluC) * x2 * x));
      const B du = B(kSqrt2OverPi) * (one + B(3.0f * kGeluC) * x2);
      return dy * (B(0.5f) * (one + t) + B(0.5f) * x * ((one - t * t) * du));
    } else if constexpr (kOp == 7) {
      return dy * (y * (one - y));
    } else if constexpr (kOp == 8) {
      return dy * (one - y * y);
    } else if constexpr (kOp == 9) {
      const B v = a * x + b;
      return xsimd::select((v >= zero) & (v <= one), dy * a, zero);
    } else if constexpr (kOp == 10) {
      const B al(kHardSwishAlpha);
      const B v = al * x + B(0.5f);
      return xsimd::select(v < zero, zero,
                           xsimd::select(v > one, dy, dy * (v + al * x)));
    } else if constexpr (kOp == 14) {
      return xsimd::select((x >= a) & (x <= b), dy, zero);
    } else if constexpr (kOp == 15) {
      return dy * y;
    } else if constexpr (kOp == 19) {
      return xsimd::select(x > zero, dy,
                           xsimd::select(x < zero, Negate(dy), zero));
    } else {
      return Negate(dy);
    }
  }

  template <int kOp>
  static int64_t Run(const UnarySimdArgs& s) {
    const int64_t end = s.n - s.n % kSize;
    const B a(s.alpha), b(s.beta);
    if (!s.backward) {
      for (int64_t k = 0; k < end; k += kSize) {
        Fwd<kOp>(B::load_unaligned(s.x + k), a, b).store_unaligned(s.out + k);
      }
      return end;
    }
    for (int64_t k = 0; k < end; k += kSize) {
      const B x = s.x != nullptr ? B::load_unaligned(s.x + k) : B(0.0f);
      const B y = s.y != nullptr ? B::load_unaligned(s.y + k) : B(0.0f);
      Bwd<kOp>(x, y, B::load_unaligned(s.dy + k), a, b)
          .store_unaligned(s.out + k);
    }
    return end;
  }
};

template <class Arch>
int64_t UnarySimdKernel::operator()(Arch, const UnarySimdArgs& s) const {
  using Ops = UnarySimdOps<Arch>;
  switch (s.op) {
    case 0:
      return Ops::template Run<0>(s);
    case 1:
      return Ops::template Run<1>(s);
    case 5:
      return Ops::template Run<5>(s);
    case 6:
      return Ops::template Run<6>(s);
    case 7:
      return Ops::template Run<7>(s);
    case 8:
      return Ops::template Run<8>(s);
    case 9:
      return Ops::template Run<9>(s);
    case 10:
      return Ops::template Run<10>(s);
    case 14:
      return Ops::template Run<14>(s);
    case 15:
      return Ops::template Run<15>(s);
    case 19:
      return Ops::template Run<19>(s);
    case 20:
      return Ops::template Run<20>(s);
    default:
      return 0;
  }
}

}  // namespace quantsim::kernels::internal
