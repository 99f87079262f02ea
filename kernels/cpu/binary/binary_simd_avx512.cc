// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/binary/binary_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t BinarySimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const BinarySimdArgs&) const;
}  // namespace quantsim::kernels::internal
