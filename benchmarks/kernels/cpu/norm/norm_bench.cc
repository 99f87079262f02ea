// BatchNorm inference on ResNet-like activations [N, C, H, W]; 8 bytes per
// element. Args: {N, C, HW, threads}.
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/norm/norm.h"

namespace quantsim::kernels {
namespace {

using bench::BM_Memcpy;  // bytes read + written
BENCHMARK(BM_Memcpy)->Arg(8 * 64 * 56 * 56)->UseRealTime();

void BM_BatchNormInference(benchmark::State& state) {
  const BatchNormShape s{state.range(0), state.range(1), state.range(2)};
  engine::ThreadPool pool(static_cast<int>(state.range(3)));
  const int64_t n = s.N * s.C * s.S;
  std::vector<float> x(n, 0.3f), y(n), g(s.C, 1.1f), b(s.C, 0.1f), m(s.C, 0.2f),
      v(s.C, 0.9f);
  for (auto _ : state) {
    BatchNormInference(x.data(), s, g.data(), b.data(), m.data(), v.data(),
                       1e-5f, y.data(), &pool);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BatchNormInference)
    ->ArgsProduct({{8}, {64}, {56 * 56}, {1, 2}})
    ->ArgsProduct({{8}, {256}, {14 * 14}, {1, 2}})
    ->ArgNames({"N", "C", "HW", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels
