// Optimizer step throughput (parameters/s) for SGD with momentum and Adam,
// on 1M and 16M f32 parameters, 1 and 2 threads. Bytes counted: SGD with
// momentum reads p, g, buf and writes p, buf (20 B/param); Adam reads p, g,
// m, v and writes p, m, v (28 B/param).
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/thread_pool.h"
#include "train/optimizer.h"

namespace quantsim::train {
namespace {

using engine::Shape;
using engine::Tensor;

struct Setup {
  Tensor param, grad;
  explicit Setup(int64_t n) {
    param = Tensor::Zeros(Shape({n}), engine::DType::kF32).value();
    grad = Tensor::Empty(Shape({n}), engine::DType::kF32).value();
    for (int64_t i = 0; i < n; ++i) {
      grad.data<float>()[i] = 1e-3f * static_cast<float>(i % 97) - 0.05f;
    }
  }
};

void Run(benchmark::State& state, Optimizer* opt, const Setup& s,
         int64_t bytes_per_param) {
  engine::ThreadPool pool(static_cast<int>(state.range(1)));
  const std::vector<Tensor> grads = {s.grad};
  if (!opt->Step(grads, &pool).ok()) {  // creates the state buffers
    state.SkipWithError("step failed");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(opt->Step(grads, &pool));
    benchmark::ClobberMemory();
  }
  const int64_t n = s.param.numel();
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * bytes_per_param);
}

void BM_SgdMomentum(benchmark::State& state) {
  Setup s(state.range(0));
  SgdOptions o;
  o.lr = 1e-3;
  o.momentum = 0.9;
  auto opt = Sgd::Create(SingleGroup({{"p", s.param}}), o).value();
  Run(state, opt.get(), s, 20);
}

void BM_Adam(benchmark::State& state) {
  Setup s(state.range(0));
  auto opt = Adam::Create(SingleGroup({{"p", s.param}}), AdamOptions()).value();
  Run(state, opt.get(), s, 28);
}

void Args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int threads : {1, 2}) b->Args({n, threads});
  }
  b->ArgNames({"params", "threads"})
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_SgdMomentum)->Apply(Args);
BENCHMARK(BM_Adam)->Apply(Args);

}  // namespace
}  // namespace quantsim::train

BENCHMARK_MAIN();
