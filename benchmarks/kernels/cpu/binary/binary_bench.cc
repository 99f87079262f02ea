// Broadcast bias add: y[N, C, HW] = x + bias[C, 1, 1] (scalar-vector runs)
// and NHWC-style x[M, C] + bias[C] (vector-vector), vs memcpy. Bytes: 8 per
// element. Args: {elements, threads, isa}.
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/binary/binary.h"

namespace quantsim::kernels {
namespace {

using bench::BM_Memcpy;  // bytes read + written
BENCHMARK(BM_Memcpy)->Arg(1 << 20)->Arg(1 << 24)->UseRealTime();

void BM_AddBias(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto isa = static_cast<engine::Isa>(state.range(2));
  const bool nchw = state.range(3) != 0;
  if (bench::SkipIfUnsupported(state, isa)) return;
  engine::ThreadPool pool(static_cast<int>(state.range(1)));
  const int64_t C = 64, hw = n / C;
  const Dims xd = nchw ? Dims{1, C, hw} : Dims{hw, C};
  const Dims bd = nchw ? Dims{C, 1} : Dims{C};
  std::vector<float> x(n, 0.5f), bias(C, 0.25f), y(n);
  for (auto _ : state) {
    BinaryForward(BinaryOp::kAdd, x.data(), xd, bias.data(), bd, y.data(), xd,
                  &pool, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(std::string(engine::IsaName(isa)) +
                 (nchw ? " nchw" : " nhwc"));
}
BENCHMARK(BM_AddBias)
    ->ArgsProduct({{1 << 20, 1 << 24}, {1, 2}, {0, 2, 3}, {1, 0}})
    ->ArgNames({"n", "threads", "isa", "nchw"})
    ->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels
