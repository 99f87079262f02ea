// Compiled with the -m flags for avx512bw (see BUILD); instantiates the stats
// kernels for xsimd::avx512bw only.
#include "kernels/cpu/stats/stats_kernel_impl.h"

namespace quantsim::kernels::stats_internal {

template int64_t MinMaxKernel::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                           const float*,
                                                           int64_t, uint32_t,
                                                           MinMaxLanes*) const;
template int64_t MinMaxColumnsKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const float*, int64_t, float*, float*) const;
template int64_t RoundedBinKernel::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                               const float*,
                                                               int64_t, float,
                                                               float, int32_t,
                                                               uint32_t*) const;
template int64_t LinearBinKernel::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                              const float*,
                                                              int64_t, float,
                                                              float, int32_t,
                                                              uint32_t*) const;

}  // namespace quantsim::kernels::stats_internal
