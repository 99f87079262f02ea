// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/float_quant/float_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t FloatSimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const FloatSimdArgs&) const;
}  // namespace quantsim::kernels::internal
