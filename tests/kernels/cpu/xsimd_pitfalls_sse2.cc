// Compiled with the -m flags for sse2 (see BUILD).
#include "tests/kernels/cpu/xsimd_pitfalls_impl.h"

namespace quantsim::kernels::testing {
template void PitfallProbe::operator()<xsimd::sse2>(xsimd::sse2,
                                                    PitfallIo*) const;
}  // namespace quantsim::kernels::testing
