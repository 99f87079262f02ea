// quantsim tests: reproducible random inputs shared by the kernel tests.
//
// UniformFloats(n, seed, lo, hi): n floats from
// std::uniform_real_distribution<float>(lo, hi) over std::mt19937(seed); the
// same seed gives the same data on every platform this project builds on.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_RANDOM_DATA_H_
#define QUANTSIM_TESTS_KERNELS_CPU_RANDOM_DATA_H_

#include <stdint.h>

#include <random>
#include <vector>

namespace quantsim::kernels::testing {

inline std::vector<float> UniformFloats(int64_t n, uint32_t seed, float lo,
                                        float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_RANDOM_DATA_H_
