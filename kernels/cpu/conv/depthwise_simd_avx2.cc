// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/conv/depthwise_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t DwRowKernel::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, const DwRowArgs&) const;
}  // namespace quantsim::kernels::internal
