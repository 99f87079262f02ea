// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/binary/binary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t BinarySimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const BinarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
