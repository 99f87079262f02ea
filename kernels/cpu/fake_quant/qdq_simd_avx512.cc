// Compiled with the -m flags for avx512bw (see BUILD).
#include "kernels/cpu/fake_quant/qdq_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t QdqSimdKernel::operator()<xsimd::avx512bw>(
    xsimd::avx512bw, const QdqSimdArgs&) const;
}  // namespace quantsim::kernels::internal
