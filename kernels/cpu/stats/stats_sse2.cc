// Compiled with the -m flags for sse2 (see BUILD); instantiates the stats
// kernels for xsimd::sse2 only.
#include "kernels/cpu/stats/stats_kernel_impl.h"

namespace quantsim::kernels::stats_internal {

template int64_t MinMaxKernel::operator()<xsimd::sse2>(xsimd::sse2,
                                                       const float*, int64_t,
                                                       uint32_t,
                                                       MinMaxLanes*) const;
template int64_t MinMaxColumnsKernel::operator()<xsimd::sse2>(xsimd::sse2,
                                                              const float*,
                                                              int64_t, float*,
                                                              float*) const;
template int64_t RoundedBinKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const float*, int64_t, float, float, int32_t, uint32_t*) const;
template int64_t LinearBinKernel::operator()<xsimd::sse2>(xsimd::sse2,
                                                          const float*, int64_t,
                                                          float, float, int32_t,
                                                          uint32_t*) const;

}  // namespace quantsim::kernels::stats_internal
