// quantsim kernels: per-arch SIMD bodies of the calibration statistics
// kernels (declarations only; safe to include from any TU).
//
// Contract: every functor processes only whole SIMD batches of its input and
// returns how many elements it consumed (a multiple of the batch size); the
// caller (the baseline TU, minmax.cc / histogram.cc) runs the scalar reference
// (stats_reference.h) on the rest. The IEEE operations are those of the
// scalar reference, in the same order, so every arch agrees with it bit for
// bit. Definitions live in stats_kernel_impl.h, instantiated once per arch in
// stats_<arch>.cc (see the ODR note there).
#ifndef QUANTSIM_KERNELS_CPU_STATS_STATS_KERNEL_H_
#define QUANTSIM_KERNELS_CPU_STATS_STATS_KERNEL_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::stats_internal {

// Widest batch of any arch (avx512: 16 floats).
inline constexpr int kMaxLanes = 16;
// Sub-histograms the scatter loop rotates through (breaks store-to-load
// dependency chains when neighbouring values share a bin).
inline constexpr int kNumSubHist = 4;

// Lane-wise partial results of MinMaxKernel; lanes beyond the batch size are
// left untouched.
struct MinMaxLanes {
  float min[kMaxLanes];
  float max[kMaxLanes];
  int32_t num_nan[kMaxLanes];
  int32_t num_inf[kMaxLanes];
};

// Flags of MinMaxKernel.
inline constexpr uint32_t kMinMaxFiniteOnly = 1;  // ignore +-inf as well
inline constexpr uint32_t kMinMaxCount = 2;       // count NaN and +-inf

struct MinMaxKernel {
  // Folds x[0, done) into lanes (which the caller initialised); n < 2^31.
  template <class Arch>
  int64_t operator()(Arch, const float* x, int64_t n, uint32_t flags,
                     MinMaxLanes* lanes) const;
};

struct MinMaxColumnsKernel {
  // acc_min[j] = MinFold(x[j], acc_min[j]), same for max, j in [0, done).
  template <class Arch>
  int64_t operator()(Arch, const float* x, int64_t n, float* acc_min,
                     float* acc_max) const;
};

struct RoundedBinKernel {
  // libpymo rule: bucket of x = roundf(x / width - offset); out-of-range and
  // NaN go to the overflow slot num_buckets. sub has kNumSubHist rows of
  // num_buckets + 1 counters.
  template <class Arch>
  int64_t operator()(Arch, const float* x, int64_t n, float width, float offset,
                     int32_t num_buckets, uint32_t* sub) const;
};

struct LinearBinKernel {
  // torch.histc rule over [lo, hi]: NaN -> slot num_bins, x < lo -> 0,
  // x > hi -> num_bins - 1, else min(trunc((x - lo) * num_bins / (hi - lo)),
  // num_bins - 1). sub as for RoundedBinKernel.
  template <class Arch>
  int64_t operator()(Arch, const float* x, int64_t n, float lo, float hi,
                     int32_t num_bins, uint32_t* sub) const;
};

#define QS_STATS_EXTERN(ARCH)                                               \
  extern template int64_t MinMaxKernel::operator()<ARCH>(                   \
      ARCH, const float*, int64_t, uint32_t, MinMaxLanes*) const;           \
  extern template int64_t MinMaxColumnsKernel::operator()<ARCH>(            \
      ARCH, const float*, int64_t, float*, float*) const;                   \
  extern template int64_t RoundedBinKernel::operator()<ARCH>(               \
      ARCH, const float*, int64_t, float, float, int32_t, uint32_t*) const; \
  extern template int64_t LinearBinKernel::operator()<ARCH>(                \
      ARCH, const float*, int64_t, float, float, int32_t, uint32_t*) const;
QS_STATS_EXTERN(xsimd::sse2)
QS_STATS_EXTERN(xsimd::avx2)
QS_STATS_EXTERN(xsimd::avx512bw)
#undef QS_STATS_EXTERN

}  // namespace quantsim::kernels::stats_internal

#endif  // QUANTSIM_KERNELS_CPU_STATS_STATS_KERNEL_H_
