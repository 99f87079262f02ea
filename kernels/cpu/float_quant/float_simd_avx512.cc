// Compiled with the -m flags for avx512 (see BUILD).
#include "kernels/cpu/float_quant/float_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t FloatSimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const FloatSimdArgs&) const;
}  // namespace quantsim::kernels::internal
