// Compiled with the -m flags for avx2 (see BUILD).
#include "tests/kernels/cpu/xsimd_pitfalls_impl.h"

namespace quantsim::kernels::testing {
template void PitfallProbe::operator()<xsimd::avx2>(xsimd::avx2,
                                                    PitfallIo*) const;
template void PitfallProbe::operator()<xsimd::fma3<xsimd::avx2>>(
    xsimd::fma3<xsimd::avx2>, PitfallIo*) const;
}  // namespace quantsim::kernels::testing
