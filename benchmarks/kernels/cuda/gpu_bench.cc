// GPU kernel benchmarks: device QDQ (per tensor / per channel, 16M and 64M
// floats), range-learning backward, min/max and the 512-bucket (libpymo) and
// 2048-bin (histc) histograms, each
// with GB/s and, for the same size, the ratio to a device-to-device
// cudaMemcpy measured in this binary ("vs_memcpy" = kernel GB/s / memcpy
// GB/s; both count bytes read + written). Without a device (or in a build
// without --config=cuda) it prints why and exits 0.
//
//   bazel run --config=cuda //benchmarks/kernels/cuda:gpu_bench --
//   --benchmark_min_time=0.5
#include <stdint.h>
#include <stdio.h>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "kernels/cpu/stats/histogram.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/fake_quant.h"
#include "kernels/cuda/stats.h"

namespace quantsim::kernels::cuda {
namespace {

constexpr int64_t kChannels = 256;

struct Buffers {
  DeviceBuffer x, y, dy, mask, params, mins, maxs, counts;
};

// One set of device buffers per size, created on first use.
Buffers* GetBuffers(int64_t n, benchmark::State& state) {
  static auto* cache = new std::map<int64_t, std::unique_ptr<Buffers>>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second.get();
  auto b = std::make_unique<Buffers>();
  std::vector<float> host(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : host) v = normal(rng);
  QdqConfig c;
  std::vector<QdqParam> params(kChannels);
  for (int64_t k = 0; k < kChannels; ++k) {
    params[k] = MakeQdqParam(0.02f + 0.0001f * k, 0.0f, c.qmin, c.qmax);
  }
  auto x = DeviceBuffer::FromHost(host);
  auto dy = DeviceBuffer::FromHost(host);
  auto y = DeviceBuffer::Allocate(n * sizeof(float));
  auto mask = DeviceBuffer::Allocate(n);
  auto p = DeviceBuffer::FromHost(params);
  auto mins = DeviceBuffer::Allocate(kChannels * sizeof(float));
  auto maxs = DeviceBuffer::Allocate(kChannels * sizeof(float));
  auto counts = DeviceBuffer::FromHost(std::vector<uint64_t>(2048, 0));
  for (const absl::Status& s :
       {x.status(), dy.status(), y.status(), mask.status(), p.status(),
        mins.status(), maxs.status(), counts.status()}) {
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return nullptr;
    }
  }
  b->x = std::move(*x);
  b->dy = std::move(*dy);
  b->y = std::move(*y);
  b->mask = std::move(*mask);
  b->params = std::move(*p);
  b->mins = std::move(*mins);
  b->maxs = std::move(*maxs);
  b->counts = std::move(*counts);
  Buffers* raw = b.get();
  (*cache)[n] = std::move(b);
  return raw;
}

std::map<int64_t, double>& MemcpyRate() {
  static auto* m = new std::map<int64_t, double>();
  return *m;
}

// Runs `launch` + Synchronize per iteration; sets bytes and vs_memcpy.
template <typename F>
void Run(benchmark::State& state, int64_t n, int64_t bytes_per_iter, F launch,
         bool is_memcpy = false) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    absl::Status s = launch();
    if (s.ok()) s = Synchronize();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  state.SetBytesProcessed(state.iterations() * bytes_per_iter);
  state.SetItemsProcessed(state.iterations() * n);
  const double rate = state.iterations() * bytes_per_iter / secs;
  if (is_memcpy) {
    MemcpyRate()[n] = rate;
  } else if (MemcpyRate().count(n)) {
    state.counters["vs_memcpy"] = rate / MemcpyRate()[n];
  }
}

void BM_MemcpyD2D(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  Run(
      state, n, 2 * n * sizeof(float),
      [&] { return CopyDeviceToDevice(b->y.data(), b->x.data(), n * 4); },
      true);
}

void BM_QdqPerTensor(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  QdqConfig c;
  c.rounding = static_cast<RoundingMode>(state.range(1));
  const QdqParam p = MakeQdqParam(0.02f, 0.0f, c.qmin, c.qmax);
  Run(state, n, n * (4 + 4 + 1), [&] {
    return FakeQuantPerTensor(b->x.as<float>(), n, p, c, b->y.as<float>(),
                              b->mask.as<uint8_t>());
  });
}

void BM_QdqPerChannel(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  QdqConfig c;
  c.rounding = static_cast<RoundingMode>(state.range(1));
  // axis 0 of [256, n/256] (weights), or the last axis of [n/256, 256].
  const QdqLayout l =
      state.range(2) == 0
          ? QdqLayout{1, kChannels, n / kChannels, 1}
          : QdqLayout{n / kChannels, 1, kChannels, 1, false, true};
  Run(state, n, n * (4 + 4 + 1), [&] {
    return FakeQuant(b->x.as<float>(), l, b->params.as<QdqParam>(), kChannels,
                     c, b->y.as<float>(), b->mask.as<uint8_t>());
  });
}

void BM_RangeGrad(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  const QdqLayout l = state.range(1) == 0
                          ? PerTensorLayout(n)
                          : QdqLayout{1, kChannels, n / kChannels, 1};
  const std::vector<float> enc_min(l.axis, -2.5f), enc_max(l.axis, 2.5f);
  const RangeGradConfig rc = V2RangeGradConfig(8, true);
  // Reads x, dy; writes dx.
  Run(state, n, n * 12, [&] {
    return cuda::RangeLearnBackward(b->x.as<float>(), b->dy.as<float>(), l,
                                    enc_min.data(), enc_max.data(), rc,
                                    b->y.as<float>(), b->mins.as<float>(),
                                    b->maxs.as<float>(), nullptr);
  });
}

void BM_MinMax(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  const QdqLayout l = state.range(1) == 0
                          ? PerTensorLayout(n)
                          : QdqLayout{1, kChannels, n / kChannels, 1};
  Run(state, n, n * 4, [&] {
    return MinMax(b->x.as<float>(), l, b->mins.as<float>(),
                  b->maxs.as<float>());
  });
}

// libpymo's 512 buckets over [-15, 15] (N(0,1) data, x3 range).
void BM_HistogramRounded512(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  const RoundedBuckets bk = MakePymoBuckets(-15.0, 30.0 / 512, 512);
  Run(state, n, n * 4, [&] {
    return HistogramRounded(b->x.as<float>(), n, bk, b->counts.as<uint64_t>(),
                            nullptr);
  });
}

// torch.histc-style 2048 bins over [-4, 4].
void BM_HistogramLinear2048(benchmark::State& state) {
  const int64_t n = state.range(0);
  Buffers* b = GetBuffers(n, state);
  if (b == nullptr) return;
  const LinearBins bins{-4.0f, 4.0f, 2048};
  Run(state, n, n * 4, [&] {
    return HistogramLinear(b->x.as<float>(), n, bins, b->counts.as<uint64_t>(),
                           nullptr);
  });
}

constexpr int64_t k16M = int64_t{1} << 24;
constexpr int64_t k64M = int64_t{1} << 26;

BENCHMARK(BM_MemcpyD2D)->Arg(k16M)->Arg(k64M)->UseRealTime();
BENCHMARK(BM_QdqPerTensor)
    ->ArgsProduct({{k16M, k64M}, {0, 1, 2}})
    ->ArgNames({"n", "rounding"})
    ->UseRealTime();
BENCHMARK(BM_QdqPerChannel)
    ->ArgsProduct({{k16M, k64M}, {0, 2}, {0, 1}})
    ->ArgNames({"n", "rounding", "last_axis"})
    ->UseRealTime();
BENCHMARK(BM_RangeGrad)
    ->ArgsProduct({{k16M, k64M}, {0, 1}})
    ->ArgNames({"n", "per_channel"})
    ->UseRealTime();
BENCHMARK(BM_MinMax)
    ->ArgsProduct({{k16M, k64M}, {0, 1}})
    ->ArgNames({"n", "per_channel"})
    ->UseRealTime();
BENCHMARK(BM_HistogramRounded512)->Arg(k16M)->Arg(k64M)->UseRealTime();
BENCHMARK(BM_HistogramLinear2048)->Arg(k16M)->Arg(k64M)->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels::cuda

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const quantsim::kernels::cuda::CudaProbeResult probe =
      quantsim::kernels::cuda::ProbeCuda();
  printf("cuda: compiled_with_cuda=%d devices=%d: %s\n",
         probe.compiled_with_cuda, probe.device_count, probe.message.c_str());
  if (!probe.device_available()) {
    printf("no CUDA device: GPU benchmarks skipped\n");
    return 0;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
