// quantsim kernels (internal): calls a stats functor for an engine::Isa.
// Baseline-ISA TUs only. Returns 0 (nothing done) for kScalar, so the caller's
// scalar reference loop handles the whole range.
#ifndef QUANTSIM_KERNELS_CPU_STATS_STATS_DISPATCH_H_
#define QUANTSIM_KERNELS_CPU_STATS_STATS_DISPATCH_H_

#include <stdint.h>

#include "engine/cpu_features.h"
#include "kernels/cpu/stats/stats_kernel.h"

namespace quantsim::kernels::stats_internal {

template <class Kernel, class... Args>
int64_t DispatchStats(engine::Isa isa, const Kernel& kernel, Args... args) {
  switch (isa) {
    case engine::Isa::kSse2:
      return kernel(xsimd::sse2{}, args...);
    case engine::Isa::kAvx2:
      return kernel(xsimd::avx2{}, args...);
    case engine::Isa::kAvx512:
      return kernel(xsimd::avx512bw{}, args...);
    case engine::Isa::kScalar:
      break;
  }
  return 0;
}

}  // namespace quantsim::kernels::stats_internal

#endif  // QUANTSIM_KERNELS_CPU_STATS_STATS_DISPATCH_H_
