// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/float_quant/float_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t FloatSimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const FloatSimdArgs&) const;
}  // namespace quantsim::kernels::internal
