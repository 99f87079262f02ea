// Gemm picks a tile shape and an orientation (C or C^T = B^T A^T) per m x n;
// every choice must give the same bits. Checked per Isa on sizes that hit
// each avx512 shape (12x32, 8x48, 14x32, 7x48) and the transposed path
// (small n: ResNet's 7x7 / 14x14 layers): Gemm(A, B) == Gemm(B^T, A^T)^T
// bit for bit (the two calls take different paths), with bias per row /
// column and relu, for 1 and 2 threads; GemmWithPackB with a packer reading
// B from memory is bit-identical to Gemm; and both match GemmReference
// within gemm.h's bound.
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/gemm/gemm.h"
#include "tests/kernels/cpu/gemm/gemm_test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

class GemmShapesTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(GetParam())) GTEST_SKIP() << "Isa not supported";
  }
};

struct Size {
  int64_t m, n, k;
};

// 512x49 / 256x196: transposed; 64x3136: 8x48 tiles; 49x512: 7x48;
// 196x256: 14x32; 1x1000: fc at batch 1; odd sizes.
const Size kSizes[] = {{512, 49, 300}, {256, 196, 70}, {64, 3136, 27},
                       {49, 512, 260}, {196, 256, 33}, {1, 1000, 64},
                       {8, 1000, 40},  {37, 5, 19},    {5, 37, 300},
                       {130, 17, 513}};

TEST_P(GemmShapesTest, OrientationsAndShapesAreBitIdentical) {
  const Isa isa = GetParam();
  engine::ThreadPool pool(2);
  uint32_t seed = 1;
  for (const Size& z : kSizes) {
    for (GemmBias bk :
         {GemmBias::kNone, GemmBias::kPerRow, GemmBias::kPerColumn}) {
      const std::string name = std::to_string(z.m) + "x" + std::to_string(z.n) +
                               "x" + std::to_string(z.k) + " bias " +
                               std::to_string(static_cast<int>(bk));
      testing::GemmCase g =
          testing::MakeCase(z.m, z.n, z.k, false, false, 0, 1.0f, 0.0f, seed++);
      std::mt19937 rng(seed++);
      const std::vector<float> bias =
          testing::RandomVec(std::max(z.m, z.n), &rng);
      GemmEpilogue e;
      e.bias_kind = bk;
      e.bias = bk == GemmBias::kNone ? nullptr : bias.data();
      e.activation = GemmActivation::kRelu;
      std::vector<float> c(z.m * z.n), ct(z.m * z.n), c2(z.m * z.n),
          cref(z.m * z.n);
      Gemm(g.p, g.a.data(), g.b.data(), c.data(), e, nullptr, isa);
      GemmReference(g.p, g.a.data(), g.b.data(), cref.data(), e);
      for (int64_t i = 0; i < z.m; ++i) {
        for (int64_t j = 0; j < z.n; ++j) {
          const float bv = bk == GemmBias::kPerRow
                               ? bias[i]
                               : (bk == GemmBias::kPerColumn ? bias[j] : 0.0f);
          ASSERT_LE(std::fabs(c[i * z.n + j] - cref[i * z.n + j]),
                    testing::ErrorBound(g, i, j, bv))
              << name << " at " << i << "," << j;
        }
      }
      // C^T = B^T A^T with B, A read transposed: the other orientation.
      GemmParams q = MakeGemmParams(z.n, z.m, z.k, true, true);
      GemmEpilogue f = e;
      if (bk == GemmBias::kPerRow) f.bias_kind = GemmBias::kPerColumn;
      if (bk == GemmBias::kPerColumn) f.bias_kind = GemmBias::kPerRow;
      Gemm(q, g.b.data(), g.a.data(), ct.data(), f, &pool, isa);
      for (int64_t i = 0; i < z.m; ++i) {
        for (int64_t j = 0; j < z.n; ++j) {
          ASSERT_EQ(std::memcmp(&c[i * z.n + j], &ct[j * z.m + i], 4), 0)
              << name << " transposed, at " << i << "," << j;
        }
      }
      // B from a packer (as conv's fused im2col) == B from memory.
      const float* bm = g.b.data();
      const int64_t ldb = g.p.ldb;
      const GemmPackB pack = [bm, ldb](int64_t k0, int64_t kb, int64_t n0,
                                       int64_t nb, int nr, float* dst) {
        for (int64_t j = 0; j < (nb + nr - 1) / nr * nr; ++j) {
          for (int64_t k = 0; k < kb; ++k) {
            dst[(j / nr) * nr * kb + k * nr + j % nr] =
                j < nb ? bm[(k0 + k) * ldb + n0 + j] : 0.0f;
          }
        }
      };
      GemmWithPackB(g.p, g.a.data(), pack, c2.data(), e, &pool, isa);
      ASSERT_EQ(std::memcmp(c.data(), c2.data(), c.size() * 4), 0)
          << name << " packer";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmShapesTest,
                         ::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                           Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::to_string(static_cast<int>(info.param));
                         });

}  // namespace
}  // namespace quantsim::kernels
