// Whole-network inference through the graph executor: the ResNet18
// inference graph (benchmarks/ops/resnet18.h: real torchvision topology,
// residual Adds, 1x1 downsample convs, GlobalAveragePool, Gemm to 1000
// classes, BN folded, random weights), images/s at batch 1 and 8 with 1 and
// 2 threads. The ONNX Runtime comparison lives in benchmarks/ort/.
// Run: bazel run //benchmarks/ops:nn_ops_bench -- --benchmark_min_time=0.1 \
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <cstdio>
#include <cstdlib>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/ops/resnet18.h"
#include "graph/executor.h"
#include "ops/registry.h"

namespace quantsim::bench {
namespace {

const graph::CompiledGraph& Net() {
  static const graph::CompiledGraph* net = [] {
    auto cg = graph::CompiledGraph::Compile(BuildResNet18(), ops::BuiltinOps());
    if (!cg.ok()) {
      std::fprintf(stderr, "%s\n", std::string(cg.status().message()).c_str());
      std::abort();
    }
    return cg->release();
  }();
  return *net;
}

// args: batch, threads
void BM_ResNet18(benchmark::State& state) {
  const int64_t batch = state.range(0);
  engine::ContextOptions opts;
  opts.num_threads = static_cast<int>(state.range(1));
  engine::Context ctx(opts);
  const engine::Tensor x = RandomImages(batch);
  const graph::CompiledGraph& net = Net();
  for (auto _ : state) {
    auto r = net.Run(ctx, {x});
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->outputs[0].raw_data());
  }
  state.SetItemsProcessed(batch * state.iterations());  // images/s
  // 1.814 G multiply-adds per 224x224 image (convs + fc): GFLOP/s = 2 MACs.
  state.counters["GFLOP/s"] =
      benchmark::Counter(2 * 1.814073344 * batch * state.iterations(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ResNet18)
    ->ArgNames({"batch", "threads"})
    ->ArgsProduct({{1, 8}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quantsim::bench

BENCHMARK_MAIN();
