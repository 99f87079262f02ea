// Conv forward / backward / transpose vs the double references within the
// gemm.h bound, for every Isa and the shapes of conv_test_util.h; thread-count
// invariance; the references checked against each other by adjoint identities.
#include "kernels/cpu/conv/conv.h"

#include <math.h>

#include <tuple>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/conv/conv_test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using testing::Abs;
using testing::Bits;
using testing::Bound;
using testing::Random;

class ConvTest : public ::testing::TestWithParam<std::tuple<Isa, int>> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(isa())) GTEST_SKIP() << "Isa not supported";
    ASSERT_TRUE(CheckConvShape(shape()).ok()) << name();
  }
  Isa isa() const { return std::get<0>(GetParam()); }
  const ConvShape& shape() const {
    static const auto* shapes =
        new std::vector<testing::NamedShape>(testing::TestShapes());
    return (*shapes)[std::get<1>(GetParam())].s;
  }
  std::string name() const {
    return testing::TestShapes()[std::get<1>(GetParam())].name;
  }
};

TEST_P(ConvTest, ForwardMatchesReference) {
  const ConvShape& s = shape();
  const auto x = Random(s.XSize(), 1), w = Random(s.WSize(), 2),
             bias = Random(s.out_channels, 3);
  GemmEpilogue e;
  e.activation = GemmActivation::kLeakyRelu;
  e.leaky_alpha = 0.25f;
  std::vector<float> y(s.YSize()), ref(s.YSize()), mag(s.YSize());
  ConvForward(s, x.data(), w.data(), bias.data(), y.data(), e, nullptr, isa());
  ConvForwardReference(s, x.data(), w.data(), bias.data(), ref.data(), e);
  ConvForwardReference(s, Abs(x).data(), Abs(w).data(), Abs(bias).data(),
                       mag.data());
  const int64_t k = s.InChannelsPerGroup() * s.Taps();
  for (int64_t i = 0; i < s.YSize(); ++i) {
    ASSERT_LE(fabs(double(y[i]) - ref[i]), Bound(k, mag[i]))
        << name() << " @" << i << ": " << y[i] << " vs " << ref[i];
  }
  for (int threads : {2, 3}) {
    engine::ThreadPool pool(threads);
    std::vector<float> yt(s.YSize());
    ConvForward(s, x.data(), w.data(), bias.data(), yt.data(), e, &pool, isa());
    for (int64_t i = 0; i < s.YSize(); ++i) {
      ASSERT_EQ(Bits(yt[i]), Bits(y[i])) << threads << " threads @" << i;
    }
  }
}

TEST_P(ConvTest, BackwardInputMatchesReference) {
  const ConvShape& s = shape();
  const auto dy = Random(s.YSize(), 4), w = Random(s.WSize(), 5);
  std::vector<float> dx(s.XSize(), 123.0f), ref(s.XSize()), mag(s.XSize());
  ConvBackwardInput(s, dy.data(), w.data(), dx.data(), nullptr, isa());
  ConvBackwardInputReference(s, dy.data(), w.data(), ref.data());
  ConvBackwardInputReference(s, Abs(dy).data(), Abs(w).data(), mag.data());
  const int64_t k = s.OutChannelsPerGroup() * s.Taps();
  for (int64_t i = 0; i < s.XSize(); ++i) {
    // col2im adds up to `taps` rounded GEMM outputs: widen k accordingly.
    ASSERT_LE(fabs(double(dx[i]) - ref[i]), Bound(k + s.Taps(), mag[i]))
        << name() << " @" << i << ": " << dx[i] << " vs " << ref[i];
  }
  engine::ThreadPool pool(3);
  std::vector<float> dxt(s.XSize());
  ConvBackwardInput(s, dy.data(), w.data(), dxt.data(), &pool, isa());
  for (int64_t i = 0; i < s.XSize(); ++i) ASSERT_EQ(Bits(dxt[i]), Bits(dx[i]));
}

TEST_P(ConvTest, BackwardWeightMatchesReference) {
  const ConvShape& s = shape();
  const auto x = Random(s.XSize(), 6), dy = Random(s.YSize(), 7);
  std::vector<float> dw(s.WSize(), 7.0f), ref(s.WSize()), mag(s.WSize());
  ConvBackwardWeight(s, x.data(), dy.data(), dw.data(), nullptr, isa());
  ConvBackwardWeightReference(s, x.data(), dy.data(), ref.data());
  ConvBackwardWeightReference(s, Abs(x).data(), Abs(dy).data(), mag.data());
  const int64_t pos = s.OutPositions();
  // One Gemm chain per image plus one accumulation per image.
  const int64_t k = s.batch * (pos + (pos + 127) / 128 + 8);
  for (int64_t i = 0; i < s.WSize(); ++i) {
    ASSERT_LE(fabs(double(dw[i]) - ref[i]), Bound(k, mag[i]))
        << name() << " @" << i << ": " << dw[i] << " vs " << ref[i];
  }
  engine::ThreadPool pool(2);
  std::vector<float> dwt(s.WSize());
  ConvBackwardWeight(s, x.data(), dy.data(), dwt.data(), &pool, isa());
  for (int64_t i = 0; i < s.WSize(); ++i) ASSERT_EQ(Bits(dwt[i]), Bits(dw[i]));
}

TEST_P(ConvTest, BackwardBiasAndTranspose) {
  const ConvShape& s = shape();
  const auto dy = Random(s.YSize(), 8), w = Random(s.WSize(), 9),
             b = Random(s.in_channels, 10);
  std::vector<float> db(s.out_channels);
  engine::ThreadPool pool(2);
  ConvBackwardBias(s, dy.data(), db.data(), &pool);
  const int64_t pos = s.OutPositions();
  for (int64_t c = 0; c < s.out_channels; ++c) {
    double acc = 0.0;
    for (int64_t n = 0; n < s.batch; ++n) {
      for (int64_t q = 0; q < pos; ++q) {
        acc += dy[(n * s.out_channels + c) * pos + q];
      }
    }
    EXPECT_EQ(db[c], static_cast<float>(acc));
  }
  // ConvTranspose forward == backward input + per-channel bias, bit for bit.
  std::vector<float> y(s.XSize()), dx(s.XSize());
  ConvTransposeForward(s, dy.data(), w.data(), b.data(), y.data(), nullptr,
                       isa());
  ConvBackwardInput(s, dy.data(), w.data(), dx.data(), nullptr, isa());
  const int64_t in_pos = s.InPositions();
  for (int64_t i = 0; i < s.XSize(); ++i) {
    ASSERT_EQ(Bits(y[i]), Bits(dx[i] + b[(i / in_pos) % s.in_channels]));
  }
}

// The references are mutually consistent: for the linear map y = W * x,
// <W x, dy> = <x, W^T dy> = <w, dW(x, dy)> (the gradients are the adjoints).
TEST_P(ConvTest, ReferenceAdjointIdentities) {
  if (isa() != Isa::kScalar) GTEST_SKIP() << "Isa-independent";
  const ConvShape& s = shape();
  const auto x = Random(s.XSize(), 11), w = Random(s.WSize(), 12),
             dy = Random(s.YSize(), 13);
  std::vector<float> y(s.YSize()), dx(s.XSize()), dw(s.WSize());
  ConvForwardReference(s, x.data(), w.data(), nullptr, y.data());
  ConvBackwardInputReference(s, dy.data(), w.data(), dx.data());
  ConvBackwardWeightReference(s, x.data(), dy.data(), dw.data());
  double a = 0, b = 0, c = 0, mag = 0;
  for (int64_t i = 0; i < s.YSize(); ++i) {
    a += double(y[i]) * dy[i];
    mag += fabs(double(y[i]) * dy[i]);
  }
  for (int64_t i = 0; i < s.XSize(); ++i) b += double(x[i]) * dx[i];
  for (int64_t i = 0; i < s.WSize(); ++i) c += double(w[i]) * dw[i];
  EXPECT_NEAR(a, b, 1e-5 * mag + 1e-6) << name();
  EXPECT_NEAR(a, c, 1e-5 * mag + 1e-6) << name();
  EXPECT_GT(mag, 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    All, ConvTest,
    ::testing::Combine(
        ::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2, Isa::kAvx512),
        ::testing::Range(0, static_cast<int>(testing::TestShapes().size()))),
    [](const ::testing::TestParamInfo<std::tuple<Isa, int>>& info) {
      return std::string(engine::IsaName(std::get<0>(info.param))) + "_" +
             testing::TestShapes()[std::get<1>(info.param)].name;
    });

}  // namespace
}  // namespace quantsim::kernels
