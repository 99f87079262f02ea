// quantsim kernels (internal): reduce SIMD template bodies. Include ONLY from
// reduce_simd_<arch>.cc (ODR: nothing non-templated, see BAZEL.md).
#include "kernels/cpu/reduce/reduce_simd.h"

namespace quantsim::kernels::internal {

template <class Arch>
struct ReduceSimdOps {
  using B = xsimd::batch<float, Arch>;
  static constexpr int64_t kSize = static_cast<int64_t>(B::size);
  static constexpr int64_t kGroups = 16 / kSize;

  template <int kOp>
  static B Apply(B a, B b) {
    if constexpr (kOp == 0) {
      return a + b;
    } else if constexpr (kOp == 1) {
      return xsimd::select(xsimd::isnan(b), b, xsimd::select(a < b, b, a));
    } else {
      return xsimd::select(xsimd::isnan(b), b, xsimd::select(b < a, b, a));
    }
  }

  template <int kOp>
  static void Lanes(const float* x, int64_t n16, float* lanes) {
    B acc[kGroups];
    for (int64_t q = 0; q < kGroups; ++q) {
      acc[q] = B::load_unaligned(lanes + q * kSize);
    }
    for (int64_t k = 0; k < n16; ++k) {
      for (int64_t q = 0; q < kGroups; ++q) {
        acc[q] = Apply<kOp>(acc[q], B::load_unaligned(x + 16 * k + q * kSize));
      }
    }
    for (int64_t q = 0; q < kGroups; ++q) {
      acc[q].store_unaligned(lanes + q * kSize);
    }
  }

  template <int kOp>
  static int64_t Vertical(float* y, const float* x, int64_t n) {
    const int64_t end = n - n % kSize;
    for (int64_t k = 0; k < end; k += kSize) {
      Apply<kOp>(B::load_unaligned(y + k), B::load_unaligned(x + k))
          .store_unaligned(y + k);
    }
    return end;
  }
};

template <class Arch>
void ReduceSimdKernel::Lanes(Arch, int op, const float* x, int64_t n16,
                             float* lanes) const {
  using Ops = ReduceSimdOps<Arch>;
  if (op == 0) return Ops::template Lanes<0>(x, n16, lanes);
  if (op == 1) return Ops::template Lanes<1>(x, n16, lanes);
  return Ops::template Lanes<2>(x, n16, lanes);
}

template <class Arch>
int64_t ReduceSimdKernel::Vertical(Arch, int op, float* y, const float* x,
                                   int64_t n) const {
  using Ops = ReduceSimdOps<Arch>;
  if (op == 0) return Ops::template Vertical<0>(y, x, n);
  if (op == 1) return Ops::template Vertical<1>(y, x, n);
  return Ops::template Vertical<2>(y, x, n);
}

}  // namespace quantsim::kernels::internal
