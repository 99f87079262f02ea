// Encoding analyzers: UpdateStats throughput of TF (min/max) and
// TF-enhanced (512-bucket PDF) on 1M floats, and the TF-enhanced candidate
// search (ComputeEncoding), at 1 and 2 threads.
//   bazel run -c opt //benchmarks/quant/analyzers:analyzer_bench --
//     --benchmark_min_time=0.1 --benchmark_repetitions=3
//     --benchmark_report_aggregates_only=true
#include <cstdint>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/thread_pool.h"
#include "quant/analyzers/libpymo_analyzers.h"

namespace quantsim::quant {
namespace {

constexpr int64_t kN = int64_t{1} << 20;

// N(0,1)-ish data from a fixed LCG (sum of 4 uniforms).
const std::vector<float>& Data() {
  static const std::vector<float>* data = [] {
    auto* v = new std::vector<float>(kN);
    uint32_t s = 42;
    for (float& x : *v) {
      float acc = 0;
      for (int k = 0; k < 4; ++k) {
        s = s * 1664525u + 1013904223u;
        acc += static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
      }
      x = acc * 1.7320508f;
    }
    return v;
  }();
  return *data;
}

std::unique_ptr<engine::ThreadPool> Pool(int threads) {
  return threads > 1 ? std::make_unique<engine::ThreadPool>(threads) : nullptr;
}

void BM_TfUpdateStats(benchmark::State& state) {
  const std::vector<float>& x = Data();
  auto pool = Pool(state.range(0));
  kernels::StatsExec exec;
  exec.pool = pool.get();
  TfAnalyzer a;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.UpdateStats(x.data(), kN, exec));
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.SetBytesProcessed(state.iterations() * kN * sizeof(float));
}

void BM_TfeUpdateStats(benchmark::State& state) {
  const std::vector<float>& x = Data();
  auto pool = Pool(state.range(0));
  kernels::StatsExec exec;
  exec.pool = pool.get();
  TfEnhancedAnalyzer a;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.UpdateStats(x.data(), kN, exec));
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.SetBytesProcessed(state.iterations() * kN * sizeof(float));
}

// range(0) threads, range(1) symmetric.
void BM_TfeComputeEncoding(benchmark::State& state) {
  const std::vector<float>& x = Data();
  auto pool = Pool(state.range(0));
  TfEnhancedAnalyzer a;
  (void)a.UpdateStats(x.data(), kN);
  GridOptions o;
  o.bitwidth = 8;
  o.symmetric = state.range(1) != 0;
  for (auto _ : state) {
    absl::StatusOr<Encoding> e = a.ComputeEncoding(o, pool.get());
    if (!e.ok()) state.SkipWithError("ComputeEncoding failed");
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TfUpdateStats)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_TfeUpdateStats)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_TfeComputeEncoding)->ArgsProduct({{1, 2}, {0, 1}})->UseRealTime();

}  // namespace
}  // namespace quantsim::quant

BENCHMARK_MAIN();
