// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
template void GemmMicroKernel::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, const GemmMicroArgs&) const;
}  // namespace quantsim::kernels::internal
