// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/reduce/reduce_simd_impl.h"

namespace quantsim::kernels::internal {
template void ReduceSimdKernel::Lanes<xsimd::avx512bw>(xsimd::avx512bw, int,
                                                       const float*, int64_t,
                                                       float*) const;
template int64_t ReduceSimdKernel::Vertical<xsimd::avx512bw>(xsimd::avx512bw,
                                                             int, float*,
                                                             const float*,
                                                             int64_t) const;
}  // namespace quantsim::kernels::internal
