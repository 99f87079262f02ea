// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/reduce/reduce_simd_impl.h"

namespace quantsim::kernels::internal {
template void ReduceSimdKernel::Lanes<xsimd::sse2>(xsimd::sse2, int,
                                                   const float*, int64_t,
                                                   float*) const;
template int64_t ReduceSimdKernel::Vertical<xsimd::sse2>(xsimd::sse2, int,
                                                         float*, const float*,
                                                         int64_t) const;
}  // namespace quantsim::kernels::internal
