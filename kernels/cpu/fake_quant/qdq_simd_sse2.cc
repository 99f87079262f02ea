// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/fake_quant/qdq_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t QdqSimdKernel::operator()<xsimd::sse2>(
    xsimd::sse2, const QdqSimdArgs&) const;
}  // namespace quantsim::kernels::internal
