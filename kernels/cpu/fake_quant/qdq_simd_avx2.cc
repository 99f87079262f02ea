// Compiled with the -m flags for avx2 (see BUILD).
#include "kernels/cpu/fake_quant/qdq_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t QdqSimdKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const QdqSimdArgs&) const;
}  // namespace quantsim::kernels::internal
