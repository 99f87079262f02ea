// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
template void GemmMicroKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const GemmMicroArgs&) const;
}  // namespace quantsim::kernels::internal
