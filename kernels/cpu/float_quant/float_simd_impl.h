// quantsim kernels (internal): float-simulation template bodies. Include
// ONLY from float_simd_<arch>.cc (ODR rule of qdq_simd_ops.h / BAZEL.md).
//
// Fp16: integer bit manipulation on the float's bits, exactly the branches
//   of Fp16RoundTripValue evaluated for every lane and selected (NaN >
//   overflow > binary16-denormal float path > normal integer RNE).
// Bf16: integer RNE on the top 16 bits, NaN -> 0x7fc00000.
// Minifloat: MinifloatExponent from the exponent bits (float denormals are
//   first scaled by 2^64, exactly), s = step_table[e] (gather), then the
//   reference's float ops RoundHalfToEven(xc / s) * s.
#include "kernels/cpu/fake_quant/qdq_simd_ops.h"
#include "kernels/cpu/float_quant/float_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct FloatSimdOps : SimdOps<Arch> {
  using Base = SimdOps<Arch>;
  using Base::AsFloat;
  using Base::AsInt;
  using Base::kSize;
  using typename Base::B;
  using typename Base::I;

  // Lane mask of a float comparison as int32 0 / -1.
  static I MaskBits(typename Base::M m) {
    return AsInt(xsimd::select(m, AsFloat(I(-1)), B(0.0f)));
  }

  static B Fp16(B x) {
    const I u = AsInt(x);
    const I sign = u & I(INT32_MIN);
    const I a = u & I(0x7fffffff);
    const I r_norm = (a + I(0xfff) + ((a >> 13) & I(1))) & I(~0x1fff);
    const B den = Base::RoundHalfToEven(AsFloat(a) * B(16777216.0f)) *
                  B(5.9604644775390625e-08f);
    I r = xsimd::select(a < I(0x38800000), AsInt(den), r_norm);
    r = xsimd::select(a >= I(0x477ff000), I(0x7f800000), r);
    r = xsimd::select(a > I(0x7f800000), I(0x7fc00000), r);
    return AsFloat(r | sign);
  }

  static B Bf16(B x) {
    const I u = AsInt(x);
    const I r = (u + I(0x7fff) + ((u >> 16) & I(1))) & I(-65536);
    return AsFloat(
        xsimd::select((u & I(0x7fffffff)) > I(0x7f800000), I(0x7fc00000), r));
  }

  static B Minifloat(B x, const FloatSimdArgs& a) {
    const B xc = Base::ClampKeepNan(x, B(-a.maxval), B(a.maxval));
    const B ax = xsimd::abs(xc);
    const typename Base::M den = ax < B(1.17549435e-38f);  // 2^-126
    const I bits =
        AsInt(xsimd::select(den, ax * B(18446744073709551616.0f), ax));
    const I k = (bits >> 23) - I(127) - (MaskBits(den) & I(64));
    const B m = AsFloat((bits & I(0x7fffff)) | I(0x3f800000));
    const I inc = MaskBits(m >= B(a.mant_threshold)) & I(1);
    I e = k + I(a.bias_floor) + inc;
    e = xsimd::select(e < I(1), I(1), e);
    e = xsimd::select(e > I(a.e_max), I(a.e_max), e);  // NaN lanes only
    e = AsInt(xsimd::select(ax == B(0.0f), AsFloat(I(1)), AsFloat(e)));
    const B s = B::gather(a.step_table, e);
    const B y = Base::RoundHalfToEven(xc / s) * s;
    return xsimd::select(xsimd::isnan(xc), xc, y);
  }

  template <int kOp>
  static int64_t Run(const FloatSimdArgs& a) {
    const int64_t end = a.n - a.n % kSize;
    for (int64_t k = 0; k < end; k += kSize) {
      const B x = B::load_unaligned(a.x + k);
      B y;
      if (kOp == kOpFp16) {
        y = Fp16(x);
      } else if (kOp == kOpBf16) {
        y = Bf16(x);
      } else {
        y = Minifloat(x, a);
      }
      y.store_unaligned(a.y + k);
    }
    return end;
  }
};

template <class Arch>
int64_t FloatSimdKernel::operator()(Arch, const FloatSimdArgs& a) const {
  using Ops = FloatSimdOps<Arch>;
  switch (a.op) {
    case kOpFp16:
      return Ops::template Run<kOpFp16>(a);
    case kOpBf16:
      return Ops::template Run<kOpBf16>(a);
    default:
      return Ops::template Run<kOpMinifloat>(a);
  }
}

}  // namespace quantsim::kernels::internal
