// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/unary/unary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t UnarySimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const UnarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
