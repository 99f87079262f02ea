// GEMM GFLOP/s per Isa and thread count, as a fraction of the machine's FMA
// peak measured in this binary (peak_frac = achieved / (peak_1thread *
// threads)) and, at 1 thread, cpu_peak_frac: the same per second of CPU
// time of the benchmark thread (both peaks measured the same way). Shapes:
// square 256/512/1024 and the ResNet18 convolutions as im2col GEMMs at batch 1
// (m = C_out, n = H_out * W_out, k = C_in * kh * kw).
// Run: bazel run //benchmarks/kernels/cpu/gemm:gemm_bench --
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/kernels/cpu/gemm/fma_peak.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/gemm/gemm.h"

namespace quantsim::bench {
namespace {

using engine::Isa;

float RunPeak(Isa isa, int64_t iters, double* flops) {
  FmaPeakLoop f;
  switch (isa) {
    case Isa::kAvx512:
      *flops = 2.0 * iters * FmaChains<xsimd::avx512bw>::kChains * 16;
      return f(xsimd::avx512bw{}, iters, 1.0f);
    case Isa::kAvx2:
      *flops = 2.0 * iters * FmaChains<xsimd::fma3<xsimd::avx2>>::kChains * 8;
      return f(xsimd::fma3<xsimd::avx2>{}, iters, 1.0f);
    default:
      *flops = 2.0 * iters * FmaChains<xsimd::sse2>::kChains * 4;
      return f(xsimd::sse2{}, iters, 1.0f);
  }
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Peak {
  double wall_gflops = 0.0;  // per wall-clock second
  double cpu_gflops = 0.0;   // per second of this thread's CPU time
};

// Single-thread FMA peak (best of 5), measured once per Isa. On a shared,
// loaded machine the CPU-time figure is the stable one. kScalar: a quarter
// of the sse2 peak (one lane).
Peak PeakGflops(Isa isa) {
  static std::map<Isa, Peak>* cache = new std::map<Isa, Peak>;
  auto it = cache->find(isa);
  if (it != cache->end()) return it->second;
  Peak best;
  for (int rep = 0; rep < 5; ++rep) {
    double flops = 0.0;
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(RunPeak(isa, 2000000, &flops));
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    const double c = ThreadCpuSeconds() - c0;
    best.wall_gflops = std::max(best.wall_gflops, flops / s * 1e-9);
    best.cpu_gflops = std::max(best.cpu_gflops, flops / c * 1e-9);
  }
  if (isa == Isa::kScalar) {
    best.wall_gflops /= 4.0;
    best.cpu_gflops /= 4.0;
  }
  (*cache)[isa] = best;
  return best;
}

void BM_FmaPeak(benchmark::State& state) {
  const auto isa = static_cast<Isa>(state.range(0));
  if (!engine::IsaSupported(isa) || isa == Isa::kScalar) {
    state.SkipWithError("Isa not supported");
    return;
  }
  double flops = 0.0;
  for (auto _ : state) benchmark::DoNotOptimize(RunPeak(isa, 100000, &flops));
  state.counters["GFLOPS"] = benchmark::Counter(
      flops * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(flops) * state.iterations());
}

// args: m, n, k, threads, isa
void BM_Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const auto isa = static_cast<Isa>(state.range(4));
  if (bench::SkipIfUnsupported(state, isa)) return;
  const Peak peak = PeakGflops(isa);
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(i % 17) * 0.01f - 0.08f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i % 13) * 0.02f - 0.1f;
  std::unique_ptr<engine::ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<engine::ThreadPool>(threads);
  const kernels::GemmParams p = kernels::MakeGemmParams(m, n, k);
  const double cpu0 = ThreadCpuSeconds();
  for (auto _ : state) {
    kernels::Gemm(p, a.data(), b.data(), c.data(), kernels::GemmEpilogue(),
                  pool.get(), isa);
    benchmark::ClobberMemory();
  }
  const double cpu_s = ThreadCpuSeconds() - cpu0;
  const double flops = 2.0 * m * n * k;
  state.SetItemsProcessed(static_cast<int64_t>(flops) * state.iterations());
  state.SetBytesProcessed(4 * (m * k + k * n + m * n) * state.iterations());
  state.counters["GFLOPS"] = benchmark::Counter(
      flops * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
  // Fraction of threads x the single-thread FMA peak, wall-clock based.
  state.counters["peak_frac"] = benchmark::Counter(
      flops * state.iterations() * 1e-9 / (peak.wall_gflops * threads),
      benchmark::Counter::kIsRate);
  // 1 thread: the same per second of CPU time (robust to a loaded machine).
  if (threads == 1 && cpu_s > 0.0) {
    state.counters["cpu_peak_frac"] =
        flops * state.iterations() * 1e-9 / cpu_s / peak.cpu_gflops;
  }
}

const int64_t kShapes[][3] = {
    {256, 256, 256},    {512, 512, 512},
    {1024, 1024, 1024}, {64, 12544, 147},  // conv1 7x7 s2
    {64, 3136, 576},                       // layer1 3x3
    {128, 784, 1152},                      // layer2 3x3
    {128, 784, 64},                        // layer2 downsample 1x1
    {256, 196, 2304},                      // layer3 3x3
    {512, 49, 4608},                       // layer4 3x3
};

void GemmArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "threads", "isa"});
  for (int isa = 0; isa <= 3; ++isa) {
    for (int threads : {1, 2}) {
      for (const auto& s : kShapes) {
        if (isa == 0 && s[0] * s[1] * s[2] > (int64_t{1} << 27)) continue;
        b->Args({s[0], s[1], s[2], threads, isa});
      }
    }
  }
}

BENCHMARK(BM_FmaPeak)->ArgName("isa")->DenseRange(1, 3)->UseRealTime();
BENCHMARK(BM_Gemm)->Apply(GemmArgs)->UseRealTime();

}  // namespace
}  // namespace quantsim::bench

BENCHMARK_MAIN();
