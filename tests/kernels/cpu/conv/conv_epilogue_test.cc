// ConvForward's fused QDQ (per tensor / per output channel, every rounding
// mode, im2col-GEMM and depthwise paths) is bit-identical to ConvForward
// without it followed by FakeQuantize on y; CheckConvShape.
#include <math.h>

#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/conv/conv.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "tests/kernels/cpu/conv/conv_test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using testing::Bits;
using testing::Random;

class ConvQdqTest
    : public ::testing::TestWithParam<std::tuple<Isa, RoundingMode, GemmQdq>> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(std::get<0>(GetParam()))) {
      GTEST_SKIP() << "Isa not supported";
    }
  }
};

TEST_P(ConvQdqTest, FusedEqualsUnfused) {
  const auto [isa, rounding, qdq] = GetParam();
  for (const ConvShape& s : {MakeConv2d(2, 8, 16, 14, 14, 3, 1, 1),
                             MakeConv2d(2, 16, 16, 13, 13, 3, 2, 1, 1, 16),
                             MakeConv2d(1, 16, 8, 9, 9, 1)}) {
    const auto x = Random(s.XSize(), 1), w = Random(s.WSize(), 2),
               bias = Random(s.out_channels, 3);
    const int64_t np = qdq == GemmQdq::kPerRow ? s.out_channels : 1;
    std::vector<QdqParam> params;
    for (int64_t c = 0; c < np; ++c) {
      params.push_back(
          MakeQdqParam(0.02f + 0.003f * (c % 5), float(c % 3), -128, 127));
    }
    GemmEpilogue e;
    e.activation = GemmActivation::kClip;
    e.clip_lo = -2.0f;
    e.clip_hi = 6.0f;
    std::vector<float> unfused(s.YSize()), fused(s.YSize());
    ConvForward(s, x.data(), w.data(), bias.data(), unfused.data(), e, nullptr,
                isa);
    e.qdq = qdq;
    e.qdq_params = params.data();
    e.qdq_config.rounding = rounding;
    e.qdq_config.seed = 1234;
    ASSERT_TRUE(CheckConvShape(s, e).ok());
    QdqLayout l = PerTensorLayout(s.YSize());
    if (qdq == GemmQdq::kPerRow) {
      l.outer = s.batch;
      l.axis = s.out_channels;
      l.inner = s.OutPositions();
    }
    FakeQuantize(unfused.data(), unfused.data(), nullptr, l, params.data(),
                 e.qdq_config, nullptr, isa);
    engine::ThreadPool pool(2);
    ConvForward(s, x.data(), w.data(), bias.data(), fused.data(), e, &pool,
                isa);
    int off_grid = 0;
    for (int64_t i = 0; i < s.YSize(); ++i) {
      ASSERT_EQ(Bits(fused[i]), Bits(unfused[i])) << i;
      const QdqParam& p = params[qdq == GemmQdq::kPerRow
                                     ? (i / s.OutPositions()) % s.out_channels
                                     : 0];
      const float q = fused[i] / p.scale + p.zero_point;
      off_grid += fabsf(q - nearbyintf(q)) > 1e-3f;
    }
    EXPECT_EQ(off_grid, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, ConvQdqTest,
    ::testing::Combine(
        ::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2, Isa::kAvx512),
        ::testing::Values(RoundingMode::kHalfToEven,
                          RoundingMode::kHalfAwayFromZero,
                          RoundingMode::kStochastic),
        ::testing::Values(GemmQdq::kPerTensor, GemmQdq::kPerRow)));

TEST(CheckConvShapeTest, RejectsBadShapes) {
  const ConvShape ok = MakeConv2d(1, 4, 8, 5, 5, 3, 1, 1, 1, 2);
  EXPECT_TRUE(CheckConvShape(ok).ok());
  ConvShape s = ok;
  s.rank = 4;
  EXPECT_EQ(CheckConvShape(s).code(), absl::StatusCode::kInvalidArgument);
  s = ok;
  s.groups = 3;
  EXPECT_FALSE(CheckConvShape(s).ok());
  s = ok;
  s.stride[1] = 0;
  EXPECT_FALSE(CheckConvShape(s).ok());
  s = ok;
  s.pad_begin[0] = -1;
  EXPECT_FALSE(CheckConvShape(s).ok());
  s = MakeConv2d(1, 4, 8, 2, 2, 3, 1, 0);  // kernel larger than input
  EXPECT_FALSE(CheckConvShape(s).ok());
  s = MakeConv2d(1, 4, 8, 2, 2, 3, 1, 1);
  EXPECT_TRUE(CheckConvShape(s).ok());
  GemmEpilogue e;
  e.qdq = GemmQdq::kPerColumn;
  EXPECT_FALSE(CheckConvShape(ok, e).ok());
}

}  // namespace
}  // namespace quantsim::kernels
