// quantsim kernels (internal): binary SIMD template bodies. Include ONLY from
// binary_simd_<arch>.cc (ODR: nothing non-templated, see BAZEL.md). Mirrors
// binary_reference.h op for op.
#include "kernels/cpu/binary/binary_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct BinarySimdOps {
  using B = xsimd::batch<float, Arch>;
  static constexpr int64_t kSize = static_cast<int64_t>(B::size);

  template <int kOp>
  static B Apply(B a, B b) {
    if constexpr (kOp == 0) {
      return a + b;
    } else if constexpr (kOp == 1) {
      return a - b;
    } else if constexpr (kOp == 2) {
      return a * b;
    } else if constexpr (kOp == 3) {
      return a / b;
    } else if constexpr (kOp == 5) {
      return xsimd::select(xsimd::isnan(b), b, xsimd::select(a < b, b, a));
    } else {
      return xsimd::select(xsimd::isnan(b), b, xsimd::select(b < a, b, a));
    }
  }

  template <int kOp, bool kAVec, bool kBVec>
  static int64_t Loop(const BinarySimdArgs& s) {
    const int64_t end = s.n - s.n % kSize;
    const B as = kAVec ? B(0.0f) : B(s.a[0]);
    const B bs = kBVec ? B(0.0f) : B(s.b[0]);
    for (int64_t k = 0; k < end; k += kSize) {
      const B a = kAVec ? B::load_unaligned(s.a + k) : as;
      const B b = kBVec ? B::load_unaligned(s.b + k) : bs;
      Apply<kOp>(a, b).store_unaligned(s.y + k);
    }
    return end;
  }

  template <int kOp>
  static int64_t Run(const BinarySimdArgs& s) {
    if (s.a_step == 1 && s.b_step == 1) return Loop<kOp, true, true>(s);
    if (s.a_step == 1) return Loop<kOp, true, false>(s);
    if (s.b_step == 1) return Loop<kOp, false, true>(s);
    return Loop<kOp, false, false>(s);
  }
};

template <class Arch>
int64_t BinarySimdKernel::operator()(Arch, const BinarySimdArgs& s) const {
  using Ops = BinarySimdOps<Arch>;
  switch (s.op) {
    case 0:
      return Ops::template Run<0>(s);
    case 1:
      return Ops::template Run<1>(s);
    case 2:
      return Ops::template Run<2>(s);
    case 3:
      return Ops::template Run<3>(s);
    case 5:
      return Ops::template Run<5>(s);
    case 6:
      return Ops::template Run<6>(s);
    default:
      return 0;
  }
}

}  // namespace quantsim::kernels::internal
