// Compiled with the -m flags for sse2 (see BUILD).
#include "benchmarks/kernels/cpu/gemm/fma_peak_impl.h"

namespace quantsim::bench {
template float FmaPeakLoop::operator()<xsimd::sse2>(xsimd::sse2, int64_t,
                                                    float) const;
}  // namespace quantsim::bench
