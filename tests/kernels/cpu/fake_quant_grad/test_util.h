// Shared helpers of the fake_quant_grad tests.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_GRAD_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_GRAD_TEST_UTIL_H_

#include <stdint.h>
#include <string.h>

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/cpu_features.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels::testing {

inline std::vector<engine::Isa> AllIsas() {
  return {engine::Isa::kScalar, engine::Isa::kSse2, engine::Isa::kAvx2,
          engine::Isa::kAvx512};
}

inline uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

// Element-wise bit equality (NaN payloads and signed zeros included).
inline void ExpectBitEqual(const std::vector<float>& want,
                           const std::vector<float>& got, const char* what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(Bits(want[i]), Bits(got[i]))
        << what << "[" << i << "]: want " << want[i] << " got " << got[i];
  }
}

inline std::vector<float> Uniform(size_t n, float lo, float hi, uint32_t seed) {
  return UniformFloats(static_cast<int64_t>(n), seed, lo, hi);
}

// Values that stress the rounding and clamping paths of a grid of `scale`
// and `offset` (ties, edges, signed zeros, inf, NaN, huge, denormal),
// written into every 7th slot of v.
inline void SprinkleSpecials(std::vector<float>* v, float scale, float lo_int,
                             float hi_int) {
  const float specials[] = {0.0f,
                            -0.0f,
                            0.5f * scale,
                            -0.5f * scale,
                            1.5f * scale,
                            -2.5f * scale,
                            lo_int * scale,
                            hi_int * scale,
                            (lo_int - 0.5f) * scale,
                            (hi_int + 0.5f) * scale,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            3e38f,
                            -3e38f,
                            1e-40f,
                            -1e-40f};
  const size_t k = sizeof(specials) / sizeof(specials[0]);
  for (size_t i = 0, j = 0; i < v->size(); i += 7, ++j) {
    (*v)[i] = specials[j % k];
  }
}

inline std::string Describe(const QdqLayout& l, const RangeGradConfig& c) {
  return absl::StrFormat("layout [%d, %d, %d] %s b=%d sym=%d strict=%d",
                         l.outer, l.axis, l.inner,
                         c.formula == RangeGradFormula::kAimetV1 ? "v1" : "v2",
                         c.bitwidth, c.symmetric, c.strict_symmetric);
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_GRAD_TEST_UTIL_H_
