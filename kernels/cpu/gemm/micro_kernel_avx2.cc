// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
QUANTSIM_GEMM_MICRO_AVX2()
}  // namespace quantsim::kernels::internal
