// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
QUANTSIM_GEMM_MICRO_AVX512()
}  // namespace quantsim::kernels::internal
