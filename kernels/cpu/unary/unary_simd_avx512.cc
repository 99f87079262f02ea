// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/unary/unary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t UnarySimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const UnarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
