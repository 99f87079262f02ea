// Binary broadcast kernels: forward vs double (exact: a float op rounds the
// same as the double op rounded to float), every Isa bit-identical to
// scalar, thread-count invariance, variadic ops, checked front end.
#include "kernels/cpu/binary/binary.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/binary/binary_test_util.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Rand(int64_t n, uint32_t seed, float lo = -3, float hi = 3) {
  return testing::UniformFloats(n, seed, lo, hi);
}

using testing::OpD;
using testing::SourceOffset;

struct ShapePair {
  Dims a, b;
};

std::vector<ShapePair> Shapes() {
  return {{{3, 5, 7}, {3, 5, 7}},
          {{2, 3, 17}, {17}},
          {{4, 1, 9}, {1, 5, 1}},
          {{}, {6, 3}},
          {{7, 1}, {1, 7}},
          {{2, 3, 4, 5}, {3, 1, 5}},
          {{1}, {33}},
          {{5, 0, 3}, {3}},
          {{2, 16, 9, 9}, {16, 1, 1}},
          {{37, 1}, {1}},
          {{1, 1, 1}, {2, 1, 3}}};
}

bool Same(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, 4) == 0;
}

TEST(BinaryTest, ForwardMatchesDoubleOnBroadcastShapes) {
  for (const ShapePair& s : Shapes()) {
    const Dims y = BroadcastDims(s.a, s.b).value();
    const std::vector<float> a = Rand(s.a.NumElements(), 1, 0.25f, 3);
    std::vector<float> b = Rand(s.b.NumElements(), 2, -3, 3);
    for (int o = 0; o < kNumBinaryOps; ++o) {
      const BinaryOp op = static_cast<BinaryOp>(o);
      std::vector<float> out(y.NumElements());
      ASSERT_TRUE(BinaryForwardChecked(op, a.data(), s.a, b.data(), s.b,
                                       out.data(), y, nullptr,
                                       engine::Isa::kScalar)
                      .ok());
      for (int64_t i = 0; i < y.NumElements(); ++i) {
        const double want =
            OpD(op, a[SourceOffset(s.a, y, i)], b[SourceOffset(s.b, y, i)]);
        if (op == BinaryOp::kPow) {
          EXPECT_NEAR(out[i], want, 4e-7 * std::fabs(want)) << i;
        } else {
          EXPECT_EQ(out[i], static_cast<float>(want))
              << BinaryOpName(op) << " at " << i;
        }
      }
    }
  }
}

TEST(BinaryTest, EveryIsaAndThreadCountBitIdentical) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<ShapePair> shapes = Shapes();
  shapes.push_back({{3, 40000}, {3, 1}});          // many chunks, sv runs
  shapes.push_back({{2, 5, 6000}, {2, 5, 6000}});  // vv, coalesced
  for (const ShapePair& s : shapes) {
    const Dims y = BroadcastDims(s.a, s.b).value();
    std::vector<float> a = Rand(s.a.NumElements(), 3, 0.5f, 2);
    std::vector<float> b = Rand(s.b.NumElements(), 4);
    if (a.size() > 3) a[2] = nan, a[3] = -0.0f;
    if (b.size() > 5) b[5] = nan, b[1] = 0.0f;
    for (int o = 0; o < kNumBinaryOps; ++o) {
      const BinaryOp op = static_cast<BinaryOp>(o);
      std::vector<float> ref(y.NumElements());
      BinaryForward(op, a.data(), s.a, b.data(), s.b, ref.data(), y, nullptr,
                    engine::Isa::kScalar);
      for (engine::Isa isa : engine::SupportedIsas()) {
        for (int threads : {1, 2, 3}) {
          engine::ThreadPool pool(threads);
          std::vector<float> out(y.NumElements());
          BinaryForward(op, a.data(), s.a, b.data(), s.b, out.data(), y, &pool,
                        isa);
          for (int64_t i = 0; i < y.NumElements(); ++i) {
            ASSERT_TRUE(Same(out[i], ref[i]))
                << BinaryOpName(op) << " " << engine::IsaName(isa) << " t"
                << threads << " at " << i << ": " << out[i] << " vs " << ref[i];
          }
        }
      }
    }
  }
}

TEST(BinaryTest, MaxMinPropagateNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float a[4] = {nan, 1, nan, 2}, b[4] = {1, nan, nan, 3};
  for (engine::Isa isa : engine::SupportedIsas()) {
    float mx[4], mn[4];
    BinaryForward(BinaryOp::kMax, a, {4}, b, {4}, mx, {4}, nullptr, isa);
    BinaryForward(BinaryOp::kMin, a, {4}, b, {4}, mn, {4}, nullptr, isa);
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(std::isnan(mx[i]) && std::isnan(mn[i])) << i;
    }
    EXPECT_EQ(mx[3], 3);
    EXPECT_EQ(mn[3], 2);
  }
}

TEST(BinaryTest, VariadicOps) {
  const Dims d0{2, 1, 5}, d1{3, 1}, d2{5};
  const Dims y{2, 3, 5};
  const std::vector<float> x0 = Rand(10, 5), x1 = Rand(3, 6), x2 = Rand(5, 7);
  const float* in[3] = {x0.data(), x1.data(), x2.data()};
  const Dims dims[3] = {d0, d1, d2};
  for (VariadicOp op : {VariadicOp::kSum, VariadicOp::kMean, VariadicOp::kMax,
                        VariadicOp::kMin}) {
    std::vector<float> out(30);
    ASSERT_TRUE(VariadicForwardChecked(op, in, dims, 3, out.data(), y).ok());
    for (int64_t i = 0; i < 30; ++i) {
      const float a = x0[SourceOffset(d0, y, i)];
      const float b = x1[SourceOffset(d1, y, i)];
      const float c = x2[SourceOffset(d2, y, i)];
      float want = 0;
      switch (op) {
        case VariadicOp::kSum:
          want = (a + b) + c;
          break;
        case VariadicOp::kMean:
          want = ((a + b) + c) / 3.0f;
          break;
        case VariadicOp::kMax:
          want = std::max(std::max(a, b), c);
          break;
        case VariadicOp::kMin:
          want = std::min(std::min(a, b), c);
          break;
      }
      EXPECT_EQ(out[i], want) << static_cast<int>(op) << " at " << i;
    }
  }
  // One input: a broadcast copy.
  std::vector<float> out(10);
  ASSERT_TRUE(
      VariadicForwardChecked(VariadicOp::kSum, in, dims, 1, out.data(), d0)
          .ok());
  EXPECT_EQ(out, x0);
}

TEST(BinaryTest, CheckedRejectsBadShapes) {
  float a[6] = {}, b[6] = {}, y[36] = {};
  EXPECT_EQ(BroadcastDims({2, 3}, {4, 3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      BinaryForwardChecked(BinaryOp::kAdd, a, {2, 3}, b, {3, 2}, y, {2, 3})
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      BinaryForwardChecked(BinaryOp::kAdd, a, {2, 3}, b, {3}, y, {3, 2}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      BinaryForwardChecked(static_cast<BinaryOp>(42), a, {3}, b, {3}, y, {3})
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BroadcastDims({-1}, {3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const float* in[2] = {a, b};
  const Dims dims[2] = {{2, 3}, {4}};
  EXPECT_EQ(
      VariadicForwardChecked(VariadicOp::kSum, in, dims, 2, y, {2, 3}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      VariadicForwardChecked(VariadicOp::kSum, in, dims, 0, y, {2, 3}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      BinaryForwardChecked(BinaryOp::kAdd, a, {2, 3}, b, {3}, y, {2, 3}).ok());
}

}  // namespace
}  // namespace quantsim::kernels
