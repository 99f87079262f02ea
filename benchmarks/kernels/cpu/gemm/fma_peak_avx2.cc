// Compiled with the -m flags for avx2 (see BUILD).
#include "benchmarks/kernels/cpu/gemm/fma_peak_impl.h"

namespace quantsim::bench {
template float FmaPeakLoop::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, int64_t, float) const;
}  // namespace quantsim::bench
