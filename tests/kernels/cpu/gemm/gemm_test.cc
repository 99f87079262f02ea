// Gemm vs the double-accumulation reference within the gemm.h error bound:
// all transpose combinations, odd sizes, alpha/beta, padded leading
// dimensions, every Isa; thread-count invariance (bit for bit).
#include "kernels/cpu/gemm/gemm.h"

#include <math.h>

#include <limits>
#include <tuple>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/gemm/gemm_test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using testing::Bits;
using testing::ErrorBound;
using testing::GemmCase;
using testing::MakeCase;

class GemmTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(GetParam())) GTEST_SKIP() << "Isa not supported";
  }

  // Runs Gemm and GemmReference on g and checks every element of C
  // (including the padding, which must be untouched).
  void Check(const GemmCase& g, engine::ThreadPool* pool = nullptr) {
    std::vector<float> c = g.c0, ref = g.c0;
    Gemm(g.p, g.a.data(), g.b.data(), c.data(), GemmEpilogue(), pool,
         GetParam());
    GemmReference(g.p, g.a.data(), g.b.data(), ref.data());
    int failures = 0;
    for (int64_t i = 0; i < g.p.m; ++i) {
      for (int64_t j = 0; j < g.p.ldc; ++j) {
        const int64_t at = i * g.p.ldc + j;
        if (j >= g.p.n) {
          ASSERT_EQ(Bits(c[at]), Bits(g.c0[at])) << "padding written";
          continue;
        }
        const double bound = ErrorBound(g, i, j);
        if (!(fabs(double(c[at]) - ref[at]) <= bound) && ++failures < 5) {
          ADD_FAILURE() << "m=" << g.p.m << " n=" << g.p.n << " k=" << g.p.k
                        << " ta=" << g.p.trans_a << " tb=" << g.p.trans_b
                        << " at (" << i << "," << j << "): " << c[at] << " vs "
                        << ref[at] << " bound " << bound;
        }
      }
    }
    EXPECT_EQ(failures, 0);
  }
};

TEST_P(GemmTest, OddSizesAllTransposes) {
  const int64_t sizes[][3] = {{1, 1, 1},    {7, 17, 63},   {17, 7, 65},
                              {63, 65, 1},  {65, 63, 17},  {1, 257, 7},
                              {257, 1, 63}, {13, 33, 257}, {100, 70, 400}};
  uint32_t seed = 1;
  for (const auto& s : sizes) {
    for (int t = 0; t < 4; ++t) {
      Check(MakeCase(s[0], s[1], s[2], t & 1, t & 2, 0, 1.0f, 0.0f, seed++));
    }
  }
}

TEST_P(GemmTest, AlphaBetaAndPaddedLeadingDims) {
  uint32_t seed = 100;
  for (int t = 0; t < 4; ++t) {
    Check(MakeCase(37, 45, 29, t & 1, t & 2, 5, 0.5f, -1.25f, seed++));
    Check(MakeCase(64, 96, 400, t & 1, t & 2, 3, -2.0f, 1.0f, seed++));
    Check(MakeCase(9, 11, 5, t & 1, t & 2, 1, 0.0f, 3.0f, seed++));
  }
}

TEST_P(GemmTest, LargeMultiBlock) {
  // Several MC, NC and KC blocks on every Isa.
  Check(MakeCase(300, 600, 800, false, false, 7, 1.0f, 0.5f, 7));
  Check(MakeCase(257, 520, 390, true, true, 0, 1.0f, 0.0f, 8));
}

TEST_P(GemmTest, BetaZeroDoesNotReadC) {
  GemmCase g = MakeCase(19, 23, 31, false, true, 2, 1.0f, 0.0f, 9);
  std::vector<float> c(g.c0.size(), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> ref = g.c0;
  Gemm(g.p, g.a.data(), g.b.data(), c.data(), GemmEpilogue(), nullptr,
       GetParam());
  GemmReference(g.p, g.a.data(), g.b.data(), ref.data());
  for (int64_t i = 0; i < g.p.m; ++i) {
    for (int64_t j = 0; j < g.p.n; ++j) {
      const int64_t at = i * g.p.ldc + j;
      ASSERT_LE(fabs(double(c[at]) - ref[at]), ErrorBound(g, i, j));
    }
  }
}

TEST_P(GemmTest, ZeroK) {
  GemmCase g = MakeCase(5, 9, 0, false, false, 0, 1.0f, 2.0f, 10);
  std::vector<float> c = g.c0;
  Gemm(g.p, g.a.data(), g.b.data(), c.data(), GemmEpilogue(), nullptr,
       GetParam());
  for (int64_t at = 0; at < 45; ++at) ASSERT_EQ(c[at], 2.0f * g.c0[at]);
}

TEST_P(GemmTest, ThreadCountsGiveIdenticalBits) {
  for (int t = 0; t < 4; ++t) {
    GemmCase g = MakeCase(350, 700, 530, t & 1, t & 2, 1, 1.0f, 0.75f, 11 + t);
    std::vector<float> c1 = g.c0;
    Gemm(g.p, g.a.data(), g.b.data(), c1.data(), GemmEpilogue(), nullptr,
         GetParam());
    for (int threads : {1, 2, 3}) {
      engine::ThreadPool pool(threads);
      std::vector<float> c = g.c0;
      Gemm(g.p, g.a.data(), g.b.data(), c.data(), GemmEpilogue(), &pool,
           GetParam());
      for (size_t at = 0; at < c.size(); ++at) {
        ASSERT_EQ(Bits(c[at]), Bits(c1[at])) << threads << " threads @" << at;
      }
    }
    Check(g);
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmTest,
                         ::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                           Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(engine::IsaName(info.param));
                         });

}  // namespace
}  // namespace quantsim::kernels
