// Softmax over rows of 1000 classes (1M and 16M floats), 8 bytes per element
// (x read, y written; the three passes mostly hit cache per row).
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/softmax/softmax.h"

namespace quantsim::kernels {
namespace {

using bench::BM_Memcpy;  // bytes read + written
BENCHMARK(BM_Memcpy)->Arg(1000 * 1024)->Arg(1000 * 16384)->UseRealTime();

void BM_Softmax(benchmark::State& state) {
  const int64_t rows = state.range(0), n = rows * 1000;
  engine::ThreadPool pool(static_cast<int>(state.range(1)));
  std::vector<float> x(n), y(n);
  for (int64_t i = 0; i < n; ++i) x[i] = 0.001f * (i % 997);
  for (auto _ : state) {
    SoftmaxForward(x.data(), AxisView{rows, 1000, 1}, y.data(), false, &pool);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Softmax)
    ->ArgsProduct({{1024, 16384}, {1, 2}})
    ->ArgNames({"rows", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels
