// Host tests of kernels/cuda/param_index.h (no device needed): the fast
// division is exact and ParamIndexer agrees with QdqLayout everywhere.
#include "kernels/cuda/param_index.h"

#include <stdint.h>

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

TEST(FastDivmodU32, ExactForEdgeDividendsAndDivisors) {
  std::vector<uint32_t> divisors = {
      1,           2,           3,           5,           7,
      9,           16,          25,          127,         255,
      641,         4096,        65535,       65537,       1000003,
      0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu};
  std::mt19937 rng(7);
  for (int k = 0; k < 200; ++k) divisors.push_back(rng() >> (rng() % 32) | 1);
  for (uint32_t d : divisors) {
    const FastDivmodU32 f = FastDivmodU32::Make(d);
    std::vector<uint32_t> ns = {
        0,     1,           d - 1,       d,           d + 1,      2 * d - 1,
        2 * d, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu};
    for (int j = 0; j < 2000; ++j) ns.push_back(rng());
    for (uint32_t n : ns) {
      uint32_t q, r;
      f.DivMod(n, &q, &r);
      ASSERT_EQ(q, n / d) << "n=" << n << " d=" << d;
      ASSERT_EQ(r, n % d) << "n=" << n << " d=" << d;
    }
  }
}

TEST(ParamIndexer, MatchesQdqLayoutForAllLayoutKinds) {
  std::vector<QdqLayout> layouts;
  layouts.push_back(PerTensorLayout(1000));
  layouts.push_back(QdqLayout{1, 8, 105, 1, false, false});  // axis 0
  layouts.push_back(QdqLayout{8, 3, 35, 1, false, false});   // axis 1
  layouts.push_back(QdqLayout{24, 5, 7, 1, false, false});   // axis 2
  layouts.push_back(QdqLayout{120, 1, 7, 1, false, true});   // last axis
  layouts.push_back(QdqLayout{16, 64, 3, 16, true, false});  // AIMET blocks
  layouts.push_back(QdqLayout{6, 37, 5, 8, true, true});     // ONNX blocks
  layouts.push_back(QdqLayout{4, 37, 5, 8, false, false});   // short block
  for (const QdqLayout& l : layouts) {
    const ParamIndexer ix = ParamIndexer::Make(l);
    int64_t count = 0;
    testing::ForEachElement(l, [&](int64_t e, int64_t p) {
      ASSERT_EQ(ix(static_cast<uint32_t>(e)), p) << "e=" << e;
      ASSERT_LT(p, l.NumParams());
      ++count;
    });
    EXPECT_EQ(count, l.NumElements());
  }
}

}  // namespace
}  // namespace quantsim::kernels::cuda
