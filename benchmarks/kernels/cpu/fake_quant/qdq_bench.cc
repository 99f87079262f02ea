// QDQ forward, quantize-to-int8, dequantize-from-int8 and the fp16 round
// trip: bandwidth vs a plain memcpy, per Isa.
//
// Reports bytes/s (bytes read + written by the kernel: 8 per float QDQ /
// fp16 element, 5 per int8 (de)quantize element) and copy_frac = that
// bandwidth / memcpy bandwidth of n floats, memcpy measured once per size in
// this binary. Buffers are 64-byte aligned.
// Run: bazel run //benchmarks/kernels/cpu/fake_quant:qdq_bench --
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <stdlib.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/float_quant/float_quant.h"

namespace quantsim::kernels {
namespace {

// 64-byte aligned array of n T (zeroed).
template <typename T>
struct Aligned {
  T* p;
  explicit Aligned(int64_t n)
      : p(static_cast<T*>(aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64))) {
    std::fill_n(p, n, T{});
  }
  ~Aligned() { free(p); }
  Aligned(const Aligned&) = delete;
  Aligned& operator=(const Aligned&) = delete;
  T* data() const { return p; }
  T& operator[](int64_t k) const { return p[k]; }
};

struct Buffers {
  Aligned<float> x, y;
  explicit Buffers(int64_t n) : x(n), y(n) {
    for (int64_t k = 0; k < n; ++k)
      x[k] = 0.001f * static_cast<float>(k % 4001) - 2.0f;
  }
};

using bench::BM_Memcpy;  // bytes read + written

// args: n, threads, per_channel (0/1), isa
void BM_Qdq(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const bool per_channel = state.range(2) != 0;
  const auto isa = static_cast<engine::Isa>(state.range(3));
  if (bench::SkipIfUnsupported(state, isa)) return;
  const double copy_bw = bench::MemcpyBandwidth(n);
  Buffers b(n);
  QdqLayout l = PerTensorLayout(n);
  std::vector<QdqParam> params(1, MakeQdqParam(0.01f, 3, -128, 127));
  if (per_channel) {
    l.axis = 256;
    l.inner = n / 256;
    params.assign(256, MakeQdqParam(0.01f, 3, -128, 127));
    for (int c = 0; c < 256; ++c) params[c].scale = 0.005f + 0.0001f * c;
  }
  QdqConfig c;
  std::unique_ptr<engine::ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<engine::ThreadPool>(threads);
  for (auto _ : state) {
    FakeQuantize(b.x.data(), b.y.data(), nullptr, l, params.data(), c,
                 pool.get(), isa);
    benchmark::ClobberMemory();
  }
  const double bytes = 8.0 * n * state.iterations();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(n * state.iterations());
  state.counters["copy_frac"] =
      benchmark::Counter(bytes / copy_bw, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(engine::IsaName(isa)) +
                 (per_channel ? " per-channel[256]" : " per-tensor"));
}

void QdqArgs(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int threads : {1, 2}) {
      for (int pc : {0, 1}) {
        for (int isa = 0; isa <= 3; ++isa) b->Args({n, threads, pc, isa});
      }
    }
  }
  b->ArgNames({"n", "threads", "per_channel", "isa"});
}

void Finish(benchmark::State& state, int64_t n, double bytes_per_elem,
            engine::Isa isa, const char* what) {
  const double bytes = bytes_per_elem * n * state.iterations();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(n * state.iterations());
  state.counters["copy_frac"] = benchmark::Counter(
      bytes / bench::MemcpyBandwidth(n), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(engine::IsaName(isa)) + " " + what);
}

// args: n, isa (1 thread, per tensor int8)
void BM_QuantizeInt8(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto isa = static_cast<engine::Isa>(state.range(1));
  if (bench::SkipIfUnsupported(state, isa)) return;
  bench::MemcpyBandwidth(n);
  Buffers b(n);
  Aligned<int8_t> q(n);
  const QdqParam p = MakeQdqParam(0.01f, 3, -128, 127);
  const QdqConfig c;
  for (auto _ : state) {
    QuantizeToInt<int8_t>(b.x.data(), q.data(), PerTensorLayout(n), &p, c,
                          nullptr, isa);
    benchmark::ClobberMemory();
  }
  Finish(state, n, 5.0, isa, "quantize f32->int8");
}

void BM_DequantizeInt8(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto isa = static_cast<engine::Isa>(state.range(1));
  if (bench::SkipIfUnsupported(state, isa)) return;
  bench::MemcpyBandwidth(n);
  Buffers b(n);
  Aligned<int8_t> q(n);
  for (int64_t k = 0; k < n; ++k) q[k] = static_cast<int8_t>(k * 7);
  const QdqParam p = MakeQdqParam(0.01f, 3, -128, 127);
  for (auto _ : state) {
    DequantizeFromInt<int8_t>(q.data(), b.y.data(), PerTensorLayout(n), &p,
                              nullptr, isa);
    benchmark::ClobberMemory();
  }
  Finish(state, n, 5.0, isa, "dequantize int8->f32");
}

void BM_Fp16RoundTrip(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto isa = static_cast<engine::Isa>(state.range(1));
  if (bench::SkipIfUnsupported(state, isa)) return;
  bench::MemcpyBandwidth(n);
  Buffers b(n);
  for (auto _ : state) {
    Fp16RoundTrip(b.x.data(), b.y.data(), n, nullptr, isa);
    benchmark::ClobberMemory();
  }
  Finish(state, n, 8.0, isa, "fp16 round trip");
}

void SizeIsaArgs(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24}) {
    for (int isa = 0; isa <= 3; ++isa) b->Args({n, isa});
  }
  b->ArgNames({"n", "isa"});
}

BENCHMARK(BM_Memcpy)->Arg(1 << 20)->Arg(1 << 24)->UseRealTime();
BENCHMARK(BM_Qdq)->Apply(QdqArgs)->UseRealTime();
BENCHMARK(BM_QuantizeInt8)->Apply(SizeIsaArgs)->UseRealTime();
BENCHMARK(BM_DequantizeInt8)->Apply(SizeIsaArgs)->UseRealTime();
BENCHMARK(BM_Fp16RoundTrip)->Apply(SizeIsaArgs)->UseRealTime();

}  // namespace
}  // namespace quantsim::kernels

BENCHMARK_MAIN();
