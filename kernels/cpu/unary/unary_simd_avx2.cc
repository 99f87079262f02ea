// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/unary/unary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t UnarySimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const UnarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
