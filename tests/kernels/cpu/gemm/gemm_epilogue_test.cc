// Gemm's fused epilogue: bias (per row / column) and activations vs the
// reference within the gemm.h bound; the fused QDQ stage bit-identical to
// Gemm without it followed by FakeQuantize, for every Isa, granularity and
// rounding mode; CheckGemmArgs.
#include <math.h>

#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/gemm/gemm.h"
#include "tests/kernels/cpu/gemm/gemm_test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using testing::Bits;
using testing::ErrorBound;
using testing::GemmCase;
using testing::MakeCase;

class GemmEpilogueTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(GetParam())) GTEST_SKIP() << "Isa not supported";
  }
};

TEST_P(GemmEpilogueTest, BiasAndActivations) {
  std::mt19937 rng(3);
  const GemmActivation acts[] = {GemmActivation::kNone, GemmActivation::kRelu,
                                 GemmActivation::kClip,
                                 GemmActivation::kLeakyRelu};
  uint32_t seed = 20;
  for (GemmBias bk :
       {GemmBias::kNone, GemmBias::kPerRow, GemmBias::kPerColumn}) {
    for (GemmActivation act : acts) {
      for (int t = 0; t < 4; ++t) {
        GemmCase g = MakeCase(29, 71, 300, t & 1, t & 2, 2, 1.5f,
                              t == 3 ? 0.5f : 0.0f, seed++);
        const std::vector<float> bias =
            testing::RandomVec(std::max(g.p.m, g.p.n), &rng, -2.0f, 2.0f);
        GemmEpilogue e;
        e.bias_kind = bk;
        e.bias = bias.data();
        e.activation = act;
        e.clip_lo = -0.5f;
        e.clip_hi = 0.75f;
        e.leaky_alpha = 0.125f;
        std::vector<float> c = g.c0, ref = g.c0;
        Gemm(g.p, g.a.data(), g.b.data(), c.data(), e, nullptr, GetParam());
        GemmReference(g.p, g.a.data(), g.b.data(), ref.data(), e);
        for (int64_t i = 0; i < g.p.m; ++i) {
          for (int64_t j = 0; j < g.p.n; ++j) {
            const float bv = bk == GemmBias::kPerRow
                                 ? bias[i]
                                 : (bk == GemmBias::kPerColumn ? bias[j] : 0);
            const int64_t at = i * g.p.ldc + j;
            // Activations are 1-Lipschitz: the bound carries over.
            ASSERT_LE(fabs(double(c[at]) - ref[at]), ErrorBound(g, i, j, bv))
                << int(bk) << " " << int(act) << " (" << i << "," << j << ")";
          }
        }
      }
    }
  }
}

TEST_P(GemmEpilogueTest, ActivationShapes) {
  // Exact values: k = 1, a = 1, b = x: output is activation(x).
  GemmParams p = MakeGemmParams(1, 8, 1);
  const float a = 1.0f;
  const float b[8] = {-3, -0.5f, 0, 0.25f, 1, 5, 7, -7};
  GemmEpilogue e;
  e.activation = GemmActivation::kClip;
  e.clip_lo = 0.0f;
  e.clip_hi = 6.0f;
  float c[8];
  Gemm(p, &a, b, c, e, nullptr, GetParam());
  const float relu6[8] = {0, 0, 0, 0.25f, 1, 5, 6, 0};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(c[j], relu6[j]) << j;
  e.activation = GemmActivation::kLeakyRelu;
  e.leaky_alpha = 0.5f;
  Gemm(p, &a, b, c, e, nullptr, GetParam());
  const float leaky[8] = {-1.5f, -0.25f, 0, 0.25f, 1, 5, 7, -3.5f};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(c[j], leaky[j]) << j;
}

class GemmQdqTest
    : public ::testing::TestWithParam<std::tuple<Isa, RoundingMode, GemmQdq>> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(std::get<0>(GetParam()))) {
      GTEST_SKIP() << "Isa not supported";
    }
  }
};

TEST_P(GemmQdqTest, FusedEqualsUnfused) {
  const auto [isa, rounding, qdq] = GetParam();
  std::mt19937 rng(5);
  for (int t = 0; t < 4; ++t) {
    // ldc == n so FakeQuantize's element index is the epilogue's.
    GemmCase g = MakeCase(45, 333, 70 + 300 * (t & 1), t & 1, t & 2, 0, 1.0f,
                          0.0f, 40 + t);
    const int64_t np = qdq == GemmQdq::kPerRow
                           ? g.p.m
                           : (qdq == GemmQdq::kPerColumn ? g.p.n : 1);
    std::vector<QdqParam> params;
    for (int64_t q = 0; q < np; ++q) {
      params.push_back(MakeQdqParam(0.01f + 0.001f * (q % 7),
                                    float(q % 5) - 2.0f, -128, 127));
    }
    std::vector<float> bias = testing::RandomVec(g.p.n, &rng);
    GemmEpilogue e;
    e.bias_kind = GemmBias::kPerColumn;
    e.bias = bias.data();
    e.activation = GemmActivation::kLeakyRelu;
    std::vector<float> unfused = g.c0;
    Gemm(g.p, g.a.data(), g.b.data(), unfused.data(), e, nullptr, isa);
    e.qdq = qdq;
    e.qdq_params = params.data();
    e.qdq_config.rounding = rounding;
    e.qdq_config.seed = 99;
    QdqLayout l = PerTensorLayout(g.p.m * g.p.n);
    if (qdq == GemmQdq::kPerRow) {
      l.axis = g.p.m;
      l.inner = g.p.n;
    } else if (qdq == GemmQdq::kPerColumn) {
      l.outer = g.p.m;
      l.inner = g.p.n;
      l.vary_inner = true;
    }
    ASSERT_TRUE(CheckQdqArgs(l, params.data(), np, e.qdq_config).ok());
    FakeQuantize(unfused.data(), unfused.data(), nullptr, l, params.data(),
                 e.qdq_config, nullptr, isa);
    engine::ThreadPool pool(2);
    std::vector<float> fused = g.c0;
    Gemm(g.p, g.a.data(), g.b.data(), fused.data(), e, &pool, isa);
    int changed = 0;
    for (size_t at = 0; at < fused.size(); ++at) {
      ASSERT_EQ(Bits(fused[at]), Bits(unfused[at])) << at;
    }
    // The reference's QDQ agrees wherever the pre-QDQ values agree bitwise,
    // so it must agree on most elements (QDQ really ran: values on grid).
    for (size_t at = 0; at < fused.size(); ++at) {
      const QdqParam& q =
          params[qdq == GemmQdq::kPerColumn
                     ? at % g.p.n
                     : (qdq == GemmQdq::kPerRow ? at / g.p.n : 0)];
      const float grid = fused[at] / q.scale + q.zero_point;
      changed += fabsf(grid - nearbyintf(grid)) > 1e-3f;
    }
    EXPECT_EQ(changed, 0) << "outputs not on the quantization grid";
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmEpilogueTest,
                         ::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                           Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(engine::IsaName(info.param));
                         });

INSTANTIATE_TEST_SUITE_P(
    All, GemmQdqTest,
    ::testing::Combine(::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                         Isa::kAvx512),
                       ::testing::Values(RoundingMode::kHalfToEven,
                                         RoundingMode::kHalfAwayFromZero,
                                         RoundingMode::kStochastic),
                       ::testing::Values(GemmQdq::kPerTensor, GemmQdq::kPerRow,
                                         GemmQdq::kPerColumn)));

TEST(CheckGemmArgsTest, RejectsBadArguments) {
  GemmParams p = MakeGemmParams(4, 5, 6);
  GemmEpilogue e;
  EXPECT_TRUE(CheckGemmArgs(p, e).ok());
  GemmParams bad = p;
  bad.lda = 5;
  EXPECT_EQ(CheckGemmArgs(bad, e).code(), absl::StatusCode::kInvalidArgument);
  bad = MakeGemmParams(4, 5, 6, true, true);
  EXPECT_TRUE(CheckGemmArgs(bad, e).ok());
  bad.ldb = 5;
  EXPECT_FALSE(CheckGemmArgs(bad, e).ok());
  bad = p;
  bad.ldc = 4;
  EXPECT_FALSE(CheckGemmArgs(bad, e).ok());
  bad = p;
  bad.m = -1;
  EXPECT_FALSE(CheckGemmArgs(bad, e).ok());
  GemmEpilogue be = e;
  be.bias_kind = GemmBias::kPerRow;
  EXPECT_FALSE(CheckGemmArgs(p, be).ok());
  be = e;
  be.activation = GemmActivation::kClip;
  be.clip_lo = 2.0f;
  be.clip_hi = 1.0f;
  EXPECT_FALSE(CheckGemmArgs(p, be).ok());
  be = e;
  be.qdq = GemmQdq::kPerColumn;
  EXPECT_FALSE(CheckGemmArgs(p, be).ok());  // null params
  std::vector<QdqParam> qp(5, MakeQdqParam(0.1f, 0, -128, 127));
  be.qdq_params = qp.data();
  EXPECT_TRUE(CheckGemmArgs(p, be).ok());
  qp[3].scale = 0.0f;
  EXPECT_FALSE(CheckGemmArgs(p, be).ok());
}

}  // namespace
}  // namespace quantsim::kernels
