// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/reduce/reduce_simd_impl.h"

namespace quantsim::kernels::internal {
template void ReduceSimdKernel::Lanes<xsimd::avx2>(xsimd::avx2, int,
                                                   const float*, int64_t,
                                                   float*) const;
template int64_t ReduceSimdKernel::Vertical<xsimd::avx2>(xsimd::avx2, int,
                                                         float*, const float*,
                                                         int64_t) const;
}  // namespace quantsim::kernels::internal
