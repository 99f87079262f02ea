// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
template void GemmMicroKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const GemmMicroArgs&) const;
}  // namespace quantsim::kernels::internal
