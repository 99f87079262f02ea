// MaxPool 2x2 stride 2 on [N, 64, 112, 112] (with indices), 5 bytes per
// input element (x read, y + 8-byte indices written per 4 inputs).
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/pool/pool.h"

namespace quantsim::kernels {
namespace {

using bench::BM_Memcpy;  // bytes read + written
BENCHMARK(BM_Memcpy)->Arg(64 * 112 * 112)->UseRealTime();

void BM_MaxPool2x2(benchmark::State& state) {
  const Dims xd{state.range(0), 64, 112, 112};
  engine::ThreadPool pool(static_cast<int>(state.range(1)));
  PoolParams p;
  p.kernel[0] = p.kernel[1] = 2;
  p.stride[0] = p.stride[1] = 2;
  const int64_t n = xd.NumElements(), m = n / 4;
  std::vector<float> x(n), y(m);
  for (int64_t i = 0; i < n; ++i) x[i] = 0.001f * (i % 1009);
  std::vector<int64_t> idx(m);
  for (auto _ : state) {
    MaxPoolForward(x.data(), xd, p, y.data(), idx.data(), &pool);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * (n * 4 + m * 12));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_MaxPool2x2)
    ->ArgsProduct({{1, 8}, {1, 2}})
    ->ArgNames({"N", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels
