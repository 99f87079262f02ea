// Compiled with the -m flags for avx512 (see BUILD).
#include "tests/kernels/cpu/xsimd_pitfalls_impl.h"

namespace quantsim::kernels::testing {
template void PitfallProbe::operator()<xsimd::avx512bw>(xsimd::avx512bw,
                                                        PitfallIo*) const;
}  // namespace quantsim::kernels::testing
