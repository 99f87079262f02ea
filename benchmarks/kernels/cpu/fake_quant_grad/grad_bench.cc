// Range-learning backward (per tensor, v2 asymmetric 8-bit) and STE
// backward throughput. Bytes counted: x + dy read, dx written (12 B per
// element; + 4 B when x_hat is written). Args: {elements, threads, isa}.
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "kernels/cpu/fake_quant_grad/ste_backward.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Data(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.5f, 1.5f);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

void BM_RangeLearnBackward(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto isa = static_cast<engine::Isa>(state.range(2));
  const bool with_x_hat = state.range(3) != 0;
  if (bench::SkipIfUnsupported(state, isa)) return;
  const std::vector<float> x = Data(n, 1), dy = Data(n, 2);
  std::vector<float> dx(n), x_hat(with_x_hat ? n : 0);
  const float mn = -1.0f, mx = 1.0f;
  float dmin = 0.0f, dmax = 0.0f;
  engine::ThreadPool pool(threads);
  const RangeGradConfig c = V2RangeGradConfig(8, false);
  for (auto _ : state) {
    RangeLearnBackward(x.data(), dy.data(), PerTensorLayout(n), &mn, &mx, c,
                       dx.data(), &dmin, &dmax,
                       with_x_hat ? x_hat.data() : nullptr, &pool, isa);
    benchmark::DoNotOptimize(dmin);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * (with_x_hat ? 16 : 12));
  state.SetLabel(engine::IsaName(isa));
}

void BM_SteBackward(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto isa = static_cast<engine::Isa>(state.range(2));
  if (bench::SkipIfUnsupported(state, isa)) return;
  const std::vector<float> dy = Data(n, 2);
  std::vector<uint8_t> mask(n);
  for (int64_t i = 0; i < n; ++i) mask[i] = (i % 7) != 0;
  std::vector<float> dx(n);
  engine::ThreadPool pool(threads);
  for (auto _ : state) {
    QdqSteBackward(dy.data(), mask.data(), dx.data(), n, &pool, isa);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 9);
  state.SetLabel(engine::IsaName(isa));
}

void RangeArgs(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int t : {1, 2}) {
      for (int isa : {0, 2, 3}) b->Args({n, t, isa, 0});
      b->Args({n, t, 3, 1});
    }
  }
}

void SteArgs(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int t : {1, 2}) {
      for (int isa : {0, 2, 3}) b->Args({n, t, isa});
    }
  }
}

BENCHMARK(BM_RangeLearnBackward)
    ->Apply(RangeArgs)
    ->ArgNames({"n", "threads", "isa", "x_hat"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SteBackward)
    ->Apply(SteArgs)
    ->ArgNames({"n", "threads", "isa"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace quantsim::kernels
