// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/binary/binary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t BinarySimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const BinarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
