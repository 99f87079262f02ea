// quantsim kernels (internal): the depthwise conv row kernel on whole SIMD
// batches, one explicit instantiation per xsimd arch (depthwise_simd_<arch>.cc;
// kAvx2 -> fma3<avx2>, kAvx512 -> avx512bw with _mm512_fmadd_ps).
//
// DwRowKernel{}(Arch{}, args) computes, for q < floor(n / batch) * batch,
//   acc = sum_{t < taps} w[t] * col[t * ld_col + q]   (fma, t ascending)
//   out[q] = activation(acc + bias)
// and returns the count it processed; the caller does the rest.
#ifndef QUANTSIM_KERNELS_CPU_CONV_DEPTHWISE_SIMD_H_
#define QUANTSIM_KERNELS_CPU_CONV_DEPTHWISE_SIMD_H_

#include <stdint.h>

#include "xsimd/xsimd.hpp"

namespace quantsim::kernels::internal {

struct DwRowArgs {
  int64_t taps;
  const float* w;    // taps weights
  const float* col;  // taps rows of ld_col floats
  int64_t ld_col;
  int64_t n;
  float bias;
  float* out;
  int activation;  // GemmActivation as int
  float act_lo, act_hi, leaky;
};

struct DwRowKernel {
  template <class Arch>
  int64_t operator()(Arch, const DwRowArgs& args) const;
};

extern template int64_t DwRowKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const DwRowArgs&) const;
extern template int64_t DwRowKernel::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, const DwRowArgs&) const;
extern template int64_t DwRowKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const DwRowArgs&) const;

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_CONV_DEPTHWISE_SIMD_H_
