// Compiled with the -m flags for avx512 (see BUILD).
#include "benchmarks/kernels/cpu/gemm/fma_peak_impl.h"

namespace quantsim::bench {
template float FmaPeakLoop::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                        int64_t, float) const;
}  // namespace quantsim::bench
