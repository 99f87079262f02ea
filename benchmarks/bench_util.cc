#include "benchmarks/bench_util.h"

#include <string.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

namespace quantsim::bench {
namespace {

void CopyFloats(const std::vector<float>& src, std::vector<float>& dst) {
  memcpy(dst.data(), src.data(), src.size() * sizeof(float));
  benchmark::DoNotOptimize(dst.data());
  benchmark::ClobberMemory();
}

}  // namespace

double MemcpyBandwidth(int64_t n) {
  static auto* cache = new std::map<int64_t, double>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  CopyFloats(src, dst);  // touch the pages
  const int64_t iters =
      std::max<int64_t>(2, (int64_t{1} << 26) / std::max<int64_t>(n, 1));
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < iters; ++i) CopyFloats(src, dst);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    best = std::max(best, 2.0 * sizeof(float) * n * iters / s);
  }
  return (*cache)[n] = best;
}

void BM_Memcpy(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  for (auto _ : state) CopyFloats(src, dst);
  state.SetBytesProcessed(state.iterations() * n * 2 * sizeof(float));
  state.SetItemsProcessed(state.iterations() * n);
}

bool SkipIfUnsupported(benchmark::State& state, engine::Isa isa) {
  if (engine::IsaSupported(isa)) return false;
  state.SkipWithError("Isa not supported");
  return true;
}

}  // namespace quantsim::bench
