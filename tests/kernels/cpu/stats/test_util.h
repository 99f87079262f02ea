// Test helpers: execution variants (every supported Isa x 1/2/3 threads) and
// random data seeded with the edge cases statistics kernels must survive.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_UTIL_H_

#include <math.h>
#include <stdint.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/stats/stats_exec.h"

namespace quantsim::kernels::testing {

struct ExecVariant {
  engine::Isa isa;
  int threads;
  std::string Name() const {
    return std::string(engine::IsaName(isa)) + "/threads" +
           std::to_string(threads);
  }
};

inline std::vector<ExecVariant> AllVariants() {
  std::vector<ExecVariant> v;
  for (engine::Isa isa : engine::SupportedIsas()) {
    for (int t : {1, 2, 3}) v.push_back({isa, t});
  }
  return v;
}

// Owns the pool of one variant.
struct VariantExec {
  explicit VariantExec(const ExecVariant& v, int64_t grain)
      : pool(std::make_unique<engine::ThreadPool>(v.threads)) {
    exec.isa = v.isa;
    exec.pool = pool.get();
    exec.grain = grain;
  }
  std::unique_ptr<engine::ThreadPool> pool;
  StatsExec exec;
};

inline StatsExec ScalarSerial() {
  StatsExec e;
  e.isa = engine::Isa::kScalar;
  e.pool = nullptr;
  e.grain = int64_t{1} << 40;
  return e;
}

// N(0, scale) values; with_specials replaces about 1 in 23 of them by an
// edge case (NaN, +-inf, +-0, denormals, +-FLT_MAX).
inline std::vector<float> EdgeData(int64_t n, uint32_t seed, float scale,
                                   bool with_specials = true) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  static const float kSpecials[] = {
      NAN,     INFINITY,  -INFINITY,      0.0f,          -0.0f,  1e-45f,
      -1e-45f, 1.17e-38f, -3.4028235e38f, 3.4028235e38f, 1e-40f, -1e-40f};
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) {
    v[i] = dist(rng);
    if (with_specials && rng() % 23 == 0) {
      v[i] = kSpecials[rng() % (sizeof(kSpecials) / sizeof(kSpecials[0]))];
    }
  }
  return v;
}

inline uint32_t Bits(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_UTIL_H_
