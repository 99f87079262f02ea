// quantsim benchmarks: helpers shared by the benchmark binaries.
//
//  - MemcpyBandwidth(n): bytes/s (read + written) of a memcpy of n floats,
//    measured on first use per n in this process (best of 5 rounds, each
//    copying about 256 MiB) and cached: the baseline of the copy_frac-style
//    counters ("this kernel vs a plain copy of the same size").
//  - BM_Memcpy: the same memcpy as a benchmark, n = state.range(0) floats;
//    bytes = 8 n per iteration (read + written), items = n. Register it
//    under its plain name: `using bench::BM_Memcpy; BENCHMARK(BM_Memcpy)...`.
//  - SkipIfUnsupported(state, isa): skips the benchmark with "Isa not
//    supported" (which the smoke tests accept) when this CPU lacks `isa`.
#ifndef QUANTSIM_BENCHMARKS_BENCH_UTIL_H_
#define QUANTSIM_BENCHMARKS_BENCH_UTIL_H_

#include <stdint.h>

#include "benchmark/benchmark.h"
#include "engine/cpu_features.h"

namespace quantsim::bench {

double MemcpyBandwidth(int64_t n);

void BM_Memcpy(benchmark::State& state);

// Returns true (and marks `state` skipped) when `isa` is not supported.
bool SkipIfUnsupported(benchmark::State& state, engine::Isa isa);

}  // namespace quantsim::bench

#endif  // QUANTSIM_BENCHMARKS_BENCH_UTIL_H_
