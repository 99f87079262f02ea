#include "kernels/cpu/fake_quant_grad/fake_quant_grad_checked.h"

#include <math.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"

namespace quantsim::kernels {
namespace {

using absl::StatusCode;

struct Bufs {
  std::vector<int64_t> shape = {2, 3, 4};
  std::vector<float> x = std::vector<float>(24, 0.3f);
  std::vector<float> dy = std::vector<float>(24, 1.0f);
  std::vector<float> dx = std::vector<float>(24);
  std::vector<float> x_hat = std::vector<float>(24);
  std::vector<float> mn = {-1.0f, -1.0f, -1.0f};
  std::vector<float> mx = {1.0f, 1.0f, 1.0f};
  std::vector<float> dmin = std::vector<float>(3);
  std::vector<float> dmax = std::vector<float>(3);
  std::optional<int> axis = 1;
  RangeGradConfig config = V2RangeGradConfig(8, false);

  absl::Status Call() {
    return RangeLearnBackwardChecked(
        x, dy, shape, axis, mn, mx, config, absl::MakeSpan(dx),
        absl::MakeSpan(dmin), absl::MakeSpan(dmax), absl::MakeSpan(x_hat));
  }
};

void ExpectInvalid(const absl::Status& s, const std::string& needle) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_NE(std::string(s.message()).find(needle), std::string::npos)
      << s.message() << " lacks '" << needle << "'";
}

TEST(RangeLearnBackwardChecked, OkMatchesKernel) {
  Bufs b;
  ASSERT_TRUE(b.Call().ok());
  QdqLayout l;
  l.outer = 2;
  l.axis = 3;
  l.inner = 4;
  std::vector<float> dx(24), dmin(3), dmax(3);
  RangeLearnBackward(b.x.data(), b.dy.data(), l, b.mn.data(), b.mx.data(),
                     b.config, dx.data(), dmin.data(), dmax.data(), nullptr);
  EXPECT_EQ(b.dx, dx);
  EXPECT_EQ(b.dmin, dmin);
  EXPECT_EQ(b.dmax, dmax);
  // Per tensor, negative axis, and optional outputs left empty.
  Bufs t;
  t.axis = std::nullopt;
  t.mn = {-1.0f};
  t.mx = {1.0f};
  t.dmin.resize(1);
  t.dmax.resize(1);
  t.dx.clear();
  t.x_hat.clear();
  EXPECT_TRUE(t.Call().ok());
  Bufs neg;
  neg.axis = -2;  // = 1
  EXPECT_TRUE(neg.Call().ok());
}

TEST(RangeLearnBackwardChecked, RejectsBadInput) {
  {
    Bufs b;
    b.mn[2] = 1.5f;  // min > max on channel 2
    ExpectInvalid(b.Call(), "channel 2");
  }
  {
    Bufs b;
    b.mx[1] = NAN;
    ExpectInvalid(b.Call(), "channel 1");
  }
  {
    Bufs b;
    b.mn[0] = -INFINITY;
    ExpectInvalid(b.Call(), "channel 0");
  }
  {
    Bufs b;
    b.mn[1] = b.mx[1];  // min == max
    ExpectInvalid(b.Call(), "channel 1");
  }
  for (int bw : {1, 33, 0, -4}) {
    Bufs b;
    b.config.bitwidth = bw;
    ExpectInvalid(b.Call(), "bitwidth");
  }
  {
    Bufs b;
    b.config = AimetV1RangeGradConfig(8, true);
    b.mx[1] = -0.5f;  // v1 symmetric needs max > 0
    ExpectInvalid(b.Call(), "channel 1");
  }
  {
    Bufs b;
    b.config.strict_symmetric = true;  // v2 has no strict mode
    ExpectInvalid(b.Call(), "strict");
  }
  {
    Bufs b;
    b.config.rounding = RoundingMode::kStochastic;
    ExpectInvalid(b.Call(), "rounding");
  }
  {
    Bufs b;
    b.axis = 3;
    ExpectInvalid(b.Call(), "axis");
  }
  {
    Bufs b;
    b.axis = -4;
    ExpectInvalid(b.Call(), "axis");
  }
  {
    Bufs b;
    b.x.pop_back();
    ExpectInvalid(b.Call(), "x has 23");
  }
  {
    Bufs b;
    b.dy.push_back(0.0f);
    ExpectInvalid(b.Call(), "dy");
  }
  {
    Bufs b;
    b.dx.resize(5);
    ExpectInvalid(b.Call(), "dx");
  }
  {
    Bufs b;
    b.mn.pop_back();
    ExpectInvalid(b.Call(), "min");
  }
  {
    Bufs b;
    b.dmax.resize(4);
    ExpectInvalid(b.Call(), "dmax");
  }
  {
    Bufs b;
    b.shape[0] = -2;
    ExpectInvalid(b.Call(), "negative");
  }
  {
    Bufs b;  // (max - min) / N overflows float
    b.mn[0] = -3e38f;
    b.mx[0] = 3e38f;
    b.config = V2RangeGradConfig(2, false);
    ExpectInvalid(b.Call(), "channel 0");
  }
}

TEST(SteBackwardChecked, SizesAndParams) {
  std::vector<float> dy(10, 1.0f), dx(10), x(10, 0.5f);
  std::vector<uint8_t> mask(10, 1);
  EXPECT_TRUE(QdqSteBackwardChecked(dy, mask, absl::MakeSpan(dx)).ok());
  EXPECT_EQ(dx, dy);
  std::vector<uint8_t> short_mask(9, 1);
  ExpectInvalid(QdqSteBackwardChecked(dy, short_mask, absl::MakeSpan(dx)),
                "mask");
  const QdqLayout l = PerTensorLayout(10);
  QdqConfig c;
  std::vector<QdqParam> p = {MakeQdqParam(0.1f, 0.0f, c.qmin, c.qmax)};
  EXPECT_TRUE(
      QdqSteBackwardRecomputeChecked(x, dy, absl::MakeSpan(dx), l, p, c).ok());
  p[0].scale = 0.0f;
  ExpectInvalid(
      QdqSteBackwardRecomputeChecked(x, dy, absl::MakeSpan(dx), l, p, c),
      "channel 0");
  p[0].scale = 0.1f;
  std::vector<QdqParam> two = {p[0], p[0]};
  ExpectInvalid(
      QdqSteBackwardRecomputeChecked(x, dy, absl::MakeSpan(dx), l, two, c),
      "params");
  c.qmin = 5.0f;
  c.qmax = 1.0f;
  ExpectInvalid(
      QdqSteBackwardRecomputeChecked(x, dy, absl::MakeSpan(dx), l, p, c),
      "qmin");
}

}  // namespace
}  // namespace quantsim::kernels
