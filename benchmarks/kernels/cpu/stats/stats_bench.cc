// Benchmarks of the calibration statistics kernels: per-tensor min/max and
// the 512-bucket libpymo histogram update (plus the 2048-bin linear one), on
// 1M and 16M floats, 1 and 2 threads, every supported Isa.
//
// Counters: bytes_per_second / items_per_second (elements), Gelem_per_thread
// (G elements/s per thread) and frac_memcpy = this kernel's read rate as a
// fraction of a plain memcpy's read rate of the same size, measured once in
// this binary (bench::MemcpyBandwidth). BM_Memcpy counts bytes read + written.
// Run: bazel run //benchmarks/kernels/cpu/stats:stats_bench --
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/stats/histogram.h"
#include "kernels/cpu/stats/minmax.h"
#include "kernels/cpu/stats/pdf_histogram.h"

namespace quantsim::kernels {
namespace {

const std::vector<float>& Data(int64_t n) {
  static auto* cache = new std::map<int64_t, std::vector<float>>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::vector<float> v(n);
  std::mt19937 rng(42);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& x : v) x = d(rng);
  return cache->emplace(n, std::move(v)).first->second;
}

void SetCounters(benchmark::State& st, int64_t n, int threads) {
  const int64_t items = st.iterations() * n;
  st.SetItemsProcessed(items);
  st.SetBytesProcessed(items * sizeof(float));
  st.counters["Gelem_per_thread"] = benchmark::Counter(
      static_cast<double>(items) / threads / 1e9, benchmark::Counter::kIsRate);
  // Read rate over memcpy's read rate (half its bytes read + written).
  st.counters["frac_memcpy"] = benchmark::Counter(
      items * sizeof(float) / (bench::MemcpyBandwidth(n) / 2),
      benchmark::Counter::kIsRate);
}

void BM_MinMax(benchmark::State& st, engine::Isa isa) {
  const int64_t n = st.range(0);
  const int threads = st.range(1);
  const std::vector<float>& x = Data(n);
  engine::ThreadPool pool(threads);
  StatsExec exec{isa, &pool, kStatsDefaultGrain};
  for (auto _ : st) {
    MinMaxResult r = MinMax(x.data(), n, MinMaxOptions{}, exec);
    benchmark::DoNotOptimize(r);
  }
  SetCounters(st, n, threads);
}

void BM_Hist512(benchmark::State& st, engine::Isa isa) {
  const int64_t n = st.range(0);
  const int threads = st.range(1);
  const std::vector<float>& x = Data(n);
  const MinMaxResult mm = MinMax(x.data(), n, MinMaxOptions{});
  float lo, width;
  PdfHistogram512::InitialRange(mm.min, mm.max, &lo, &width);
  const RoundedBuckets b = MakePymoBuckets(lo, width, 512);
  engine::ThreadPool pool(threads);
  StatsExec exec{isa, &pool, kStatsDefaultGrain};
  std::vector<uint64_t> counts(512);
  for (auto _ : st) {
    std::fill(counts.begin(), counts.end(), 0);
    if (!HistogramRounded(x, b, absl::MakeSpan(counts), nullptr, exec).ok()) {
      st.SkipWithError("HistogramRounded failed");
      return;
    }
    benchmark::DoNotOptimize(counts.data());
  }
  SetCounters(st, n, threads);
}

void BM_Hist2048Linear(benchmark::State& st, engine::Isa isa) {
  const int64_t n = st.range(0);
  const int threads = st.range(1);
  const std::vector<float>& x = Data(n);
  const MinMaxResult mm = MinMax(x.data(), n, MinMaxOptions{});
  engine::ThreadPool pool(threads);
  StatsExec exec{isa, &pool, kStatsDefaultGrain};
  std::vector<uint64_t> counts(2048);
  for (auto _ : st) {
    std::fill(counts.begin(), counts.end(), 0);
    if (!HistogramLinear(x, LinearBins{mm.min, mm.max, 2048},
                         absl::MakeSpan(counts), nullptr, exec)
             .ok()) {
      st.SkipWithError("HistogramLinear failed");
      return;
    }
    benchmark::DoNotOptimize(counts.data());
  }
  SetCounters(st, n, threads);
}

void Register() {
  constexpr int64_t kSizes[] = {int64_t{1} << 20, int64_t{1} << 24};
  for (int64_t n : kSizes) {
    benchmark::RegisterBenchmark("BM_Memcpy", bench::BM_Memcpy)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  using Fn = void (*)(benchmark::State&, engine::Isa);
  const std::pair<const char*, Fn> kernels[] = {
      {"BM_MinMax", BM_MinMax},
      {"BM_Hist512", BM_Hist512},
      {"BM_Hist2048Linear", BM_Hist2048Linear}};
  for (const auto& [name, fn] : kernels) {
    for (engine::Isa isa : engine::SupportedIsas()) {
      const std::string full = std::string(name) + "/" + engine::IsaName(isa);
      auto* b = benchmark::RegisterBenchmark(full.c_str(), fn, isa);
      for (int64_t n : kSizes) {
        for (int t : {1, 2}) b->Args({n, t});
      }
      b->ArgNames({"n", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace
}  // namespace quantsim::kernels

int main(int argc, char** argv) {
  quantsim::kernels::Register();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
