// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/conv/depthwise_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t DwRowKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const DwRowArgs&) const;
}  // namespace quantsim::kernels::internal
