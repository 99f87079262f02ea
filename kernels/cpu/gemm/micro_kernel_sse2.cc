// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/gemm/micro_kernel_impl.h"

namespace quantsim::kernels::internal {
QUANTSIM_GEMM_MICRO_SSE2()
}  // namespace quantsim::kernels::internal
