// quantsim kernels (internal): SIMD functors of the QDQ backward kernels.
//
// Contract: each functor is templated on an xsimd Arch; its body lives in
// grad_kernel_impl.h and is instantiated only in grad_<arch>.cc, compiled
// with that arch's -m flags (BAZEL.md "SIMD dispatch", ODR trap). A functor
// processes whole batches only and returns how many elements it did (a
// multiple of the batch size); the baseline TU runs the tail with the scalar
// reference. Every float op matches the scalar reference op for op, so dx,
// x_hat and the per-element gradient terms are bit-exact. This header is
// safe to include from the baseline TU (declarations only).
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_GRAD_KERNEL_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_GRAD_KERNEL_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::fq_grad_internal {

// Static grid of the mask-recomputing STE (QdqMaskValue of reference.h).
struct SteGrid {
  float scale;
  float zero_point;
  float qmin;
  float qmax;
  float clip_lo;
  float clip_hi;
  bool half_even;  // kHalfToEven mask rule, else the clip-range rule
};

// Learned grid of one channel: r = round(x/scale) - offset,
// q = clamp(r, qlo, qhi), x_hat = (q + offset) * scale.
struct LearnedGrid {
  float scale;
  float offset;
  float qlo;
  float qhi;
  bool half_even;  // round half to even, else half away from zero
};

// dx = mask ? dy : 0.
struct SteMaskKernel {
  template <class Arch>
  int64_t operator()(Arch, const float* dy, const uint8_t* mask, float* dx,
                     int64_t n) const;
};

// dx = QdqMaskValue(x) ? dy : 0.
struct SteRecomputeKernel {
  template <class Arch>
  int64_t operator()(Arch, const float* x, const float* dy, float* dx,
                     int64_t n, const SteGrid& grid) const;
};

// dx (nullable), x_hat (nullable) and the two gradient sums, added to
// *sum_s (sum of dy * d, d = mask ? round(u) - u : q + offset) and *sum_o
// (sum of dy where mask is 0), accumulated in double lanes.
struct LearnedGridKernel {
  template <class Arch>
  int64_t operator()(Arch, const float* x, const float* dy, float* dx,
                     float* x_hat, int64_t n, const LearnedGrid& grid,
                     double* sum_s, double* sum_o) const;
};

#define QS_FQ_GRAD_EXTERN(ARCH)                                          \
  extern template int64_t SteMaskKernel::operator()<ARCH>(               \
      ARCH, const float*, const uint8_t*, float*, int64_t) const;        \
  extern template int64_t SteRecomputeKernel::operator()<ARCH>(          \
      ARCH, const float*, const float*, float*, int64_t, const SteGrid&) \
      const;                                                             \
  extern template int64_t LearnedGridKernel::operator()<ARCH>(           \
      ARCH, const float*, const float*, float*, float*, int64_t,         \
      const LearnedGrid&, double*, double*) const;
QS_FQ_GRAD_EXTERN(xsimd::sse2)
QS_FQ_GRAD_EXTERN(xsimd::avx2)
QS_FQ_GRAD_EXTERN(xsimd::avx512bw)
#undef QS_FQ_GRAD_EXTERN

}  // namespace quantsim::kernels::fq_grad_internal

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_GRAD_KERNEL_H_
