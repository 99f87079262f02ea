// Compiled with the -m flags for avx2 (see BUILD). Instantiations only.
#include "kernels/cpu/fake_quant_grad/grad_kernel_impl.h"

namespace quantsim::kernels::fq_grad_internal {

template int64_t SteMaskKernel::operator()<xsimd::avx2>(xsimd::avx2,
                                                        const float*,
                                                        const uint8_t*, float*,
                                                        int64_t) const;
template int64_t SteRecomputeKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const float*, const float*, float*, int64_t,
    const SteGrid&) const;
template int64_t LearnedGridKernel::operator()<xsimd::avx2>(
    xsimd::avx2, const float*, const float*, float*, float*, int64_t,
    const LearnedGrid&, double*, double*) const;

}  // namespace quantsim::kernels::fq_grad_internal
