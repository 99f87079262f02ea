// quantsim kernels: how a statistics kernel runs (arch, threads, chunking).
//
// Contract: work is split into fixed chunks of `grain` elements (or runs)
// through engine::ParallelFor; chunk boundaries depend only on the input size
// and grain, never on the pool size, and partial results are combined with
// exact operations (integer adds, min/max), so results are bit-identical for
// every thread count and every Isa. pool == nullptr runs on the caller.
#ifndef QUANTSIM_KERNELS_CPU_STATS_STATS_EXEC_H_
#define QUANTSIM_KERNELS_CPU_STATS_STATS_EXEC_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"

namespace quantsim::kernels {

// 64K floats = 256 KiB per chunk: large enough to amortise a task, small
// enough to balance 2-16 threads on 1M-element tensors.
inline constexpr int64_t kStatsDefaultGrain = int64_t{1} << 16;

struct StatsExec {
  engine::Isa isa = engine::DefaultIsa();
  engine::ThreadPool* pool = nullptr;
  int64_t grain = kStatsDefaultGrain;  // elements per chunk, >= 1
};

// InvalidArgument unless exec.isa runs on this CPU and grain >= 1.
absl::Status ValidateStatsExec(const StatsExec& exec);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_STATS_STATS_EXEC_H_
