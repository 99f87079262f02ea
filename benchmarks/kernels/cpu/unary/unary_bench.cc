// Unary throughput (Relu, Sigmoid, GeluErf forward; Relu backward) vs a
// memcpy copy in the same binary. Args: {elements, threads, isa}. Bytes:
// 8 per element forward (read x, write y), 12 backward.
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/unary/unary.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Data(int64_t n) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-4, 4);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

using bench::BM_Memcpy;  // bytes read + written
BENCHMARK(BM_Memcpy)->Arg(1 << 20)->Arg(1 << 24)->UseRealTime();

template <UnaryOp kOp, bool kBackward>
void BM_Unary(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto isa = static_cast<engine::Isa>(state.range(2));
  if (bench::SkipIfUnsupported(state, isa)) return;
  engine::ThreadPool pool(static_cast<int>(state.range(1)));
  const UnaryParams p = DefaultUnaryParams(kOp);
  const std::vector<float> x = Data(n), dy = Data(n);
  std::vector<float> y(n);
  for (auto _ : state) {
    if (kBackward) {
      UnaryBackward(p, x.data(), x.data(), dy.data(), y.data(), n, &pool, isa);
    } else {
      UnaryForward(p, x.data(), y.data(), n, &pool, isa);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * (kBackward ? 12 : 8));
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(engine::IsaName(isa));
}

void Args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int t : {1, 2}) {
      for (int isa : {0, 2, 3}) b->Args({n, t, isa});
    }
  }
  b->ArgNames({"n", "threads", "isa"})->UseRealTime();
}
BENCHMARK_TEMPLATE(BM_Unary, UnaryOp::kRelu, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Unary, UnaryOp::kSigmoid, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Unary, UnaryOp::kGeluErf, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Unary, UnaryOp::kRelu, true)->Apply(Args);

}  // namespace
}  // namespace quantsim::kernels
