// Compiled with the -m flags for sse2 (see BUILD).
#include "kernels/cpu/conv/depthwise_simd_impl.h"

namespace quantsim::kernels::internal {
template int64_t DwRowKernel::operator()<xsimd::sse2>(xsimd::sse2,
                                                      const DwRowArgs&) const;
}  // namespace quantsim::kernels::internal
