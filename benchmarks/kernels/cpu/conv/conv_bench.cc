// ResNet18 convolution layers (224x224 input) at batch 1 and 8: time per
// layer and GFLOP/s (2 * MACs), 1 and 2 threads, per Isa; plus one depthwise
// 3x3 layer (MobileNet-like) for the direct depthwise kernel.
// Run: bazel run //benchmarks/kernels/cpu/conv:conv_bench --
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/conv/conv.h"

namespace quantsim::kernels {
namespace {

struct Layer {
  const char* name;
  int64_t cin, cout, hw, k, stride, pad, groups;
};

const Layer kLayers[] = {
    {"conv1_7x7s2", 3, 64, 224, 7, 2, 3, 1},
    {"layer1_3x3", 64, 64, 56, 3, 1, 1, 1},
    {"layer2_3x3s2", 64, 128, 56, 3, 2, 1, 1},
    {"layer2_3x3", 128, 128, 28, 3, 1, 1, 1},
    {"layer2_ds1x1s2", 64, 128, 56, 1, 2, 0, 1},
    {"layer3_3x3s2", 128, 256, 28, 3, 2, 1, 1},
    {"layer3_3x3", 256, 256, 14, 3, 1, 1, 1},
    {"layer4_3x3s2", 256, 512, 14, 3, 2, 1, 1},
    {"layer4_3x3", 512, 512, 7, 3, 1, 1, 1},
    {"dw3x3_128x56", 128, 128, 56, 3, 1, 1, 128},
};

// args: layer, batch, threads, isa
void BM_Conv(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  const int threads = static_cast<int>(state.range(2));
  const auto isa = static_cast<engine::Isa>(state.range(3));
  if (bench::SkipIfUnsupported(state, isa)) return;
  state.SetLabel(l.name);
  const ConvShape s = MakeConv2d(state.range(1), l.cin, l.cout, l.hw, l.hw, l.k,
                                 l.stride, l.pad, 1, l.groups);
  std::vector<float> x(s.XSize()), w(s.WSize()), b(s.out_channels),
      y(s.YSize());
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 23) * 0.01f - 0.1f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(i % 19) * 0.01f - 0.09f;
  std::unique_ptr<engine::ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<engine::ThreadPool>(threads);
  GemmEpilogue e;
  e.activation = GemmActivation::kRelu;
  for (auto _ : state) {
    ConvForward(s, x.data(), w.data(), b.data(), y.data(), e, pool.get(), isa);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * s.YSize() * s.InChannelsPerGroup() * s.Taps();
  state.SetItemsProcessed(static_cast<int64_t>(flops) * state.iterations());
  state.SetBytesProcessed(4 * (s.XSize() + s.WSize() + s.YSize()) *
                          state.iterations());
  state.counters["GFLOPS"] = benchmark::Counter(
      flops * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void ConvArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "batch", "threads", "isa"});
  for (int isa = 2; isa <= 3; ++isa) {
    for (int threads : {1, 2}) {
      for (int batch : {1, 8}) {
        for (int layer = 0; layer < int(sizeof(kLayers) / sizeof(Layer));
             ++layer) {
          b->Args({layer, batch, threads, isa});
        }
      }
    }
  }
}

BENCHMARK(BM_Conv)->Apply(ConvArgs)->UseRealTime()->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace quantsim::kernels

BENCHMARK_MAIN();
