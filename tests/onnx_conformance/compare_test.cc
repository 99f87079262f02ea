// conformance::CompareTensors: exact dtype/shape, isclose for floats with
// NaN == NaN, exact integers, f16/bf16 decoding.
#include "conformance/compare.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace quantsim::conformance {
namespace {

using engine::Shape;
using engine::Tensor;

Tensor F32(std::vector<float> v) {
  return *Tensor::FromVector<float>(Shape({static_cast<int64_t>(v.size())}), v);
}

TEST(CompareTest, EqualFloatsMatch) {
  EXPECT_EQ(CompareTensors(F32({1, 2, 3}), F32({1, 2, 3}), {}), "");
}

TEST(CompareTest, FloatToleranceIsRelativePlusAbsolute) {
  const Tolerance tol{1e-3, 1e-5};
  // |a - e| <= atol + rtol * |e|: 1000 +- 1.0 is inside, +- 1.1 is not.
  EXPECT_EQ(CompareTensors(F32({1000}), F32({1001}), tol), "");
  EXPECT_NE(CompareTensors(F32({1000}), F32({1001.1f}), tol), "");
  // Near zero only atol applies.
  EXPECT_EQ(CompareTensors(F32({0}), F32({9e-6f}), tol), "");
  EXPECT_NE(CompareTensors(F32({0}), F32({2e-5f}), tol), "");
}

TEST(CompareTest, NanMatchesNanOnly) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(CompareTensors(F32({nan, inf, -inf}), F32({nan, inf, -inf}), {}),
            "");
  EXPECT_NE(CompareTensors(F32({nan}), F32({0}), {}), "");
  EXPECT_NE(CompareTensors(F32({0}), F32({nan}), {}), "");
  EXPECT_NE(CompareTensors(F32({inf}), F32({-inf}), {}), "");
  EXPECT_NE(CompareTensors(F32({inf}), F32({3e38f}), {}), "");
}

TEST(CompareTest, MessageCountsAndLocatesDifferences) {
  const std::string msg =
      CompareTensors(F32({1, 2, 3, 4}), F32({1, 5, 3, 6}), {});
  EXPECT_NE(msg.find("2 of 4 elements differ"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1]"), std::string::npos) << msg;
}

TEST(CompareTest, DTypeAndShapeMustBeExact) {
  Tensor f64 = *Tensor::FromVector<double>(Shape({3}), {1, 2, 3});
  EXPECT_NE(CompareTensors(F32({1, 2, 3}), f64, {}).find("dtype"),
            std::string::npos);
  Tensor f32_2d = *Tensor::FromVector<float>(Shape({1, 3}), {1, 2, 3});
  EXPECT_NE(CompareTensors(F32({1, 2, 3}), f32_2d, {}).find("shape"),
            std::string::npos);
}

TEST(CompareTest, IntegersAreExact) {
  Tensor a = *Tensor::FromVector<int64_t>(Shape({2}), {1000000, 7});
  Tensor b = *Tensor::FromVector<int64_t>(Shape({2}), {1000001, 7});
  // rtol would accept 1000001 for a float; integers must be equal.
  EXPECT_NE(CompareTensors(a, b, {}), "");
  EXPECT_EQ(CompareTensors(a, a, {}), "");
  Tensor t = *Tensor::FromVector<bool>(Shape({2}), {true, false});
  Tensor f = *Tensor::FromVector<bool>(Shape({2}), {true, true});
  EXPECT_NE(CompareTensors(t, f, {}), "");
}

TEST(CompareTest, ComparesNonContiguousViews) {
  Tensor m = *Tensor::FromVector<float>(Shape({2, 2}), {1, 2, 3, 4});
  Tensor mt = *m.Transpose({1, 0});  // [[1, 3], [2, 4]]
  Tensor e = *Tensor::FromVector<float>(Shape({2, 2}), {1, 3, 2, 4});
  EXPECT_EQ(CompareTensors(e, mt, {}), "");
  EXPECT_NE(CompareTensors(m, mt, {}), "");
}

TEST(CompareTest, HalfDecoding) {
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // subnormal
  EXPECT_TRUE(std::signbit(HalfToFloat(0x8000)));
  EXPECT_TRUE(std::isinf(HalfToFloat(0x7c00)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  EXPECT_EQ(BFloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(BFloat16ToFloat(0xc040), -3.0f);
}

TEST(CompareTest, HalfTensorsCompareAsFloat) {
  Tensor a = *Tensor::FromVector<engine::Float16>(Shape({1}), {{0x3c00}});
  Tensor b = *Tensor::FromVector<engine::Float16>(Shape({1}), {{0x3c02}});
  // 1 vs 1.001953: outside rtol 1e-3 + atol 1e-5.
  EXPECT_NE(CompareTensors(a, b, {}), "");
  EXPECT_EQ(CompareTensors(a, b, {1e-2, 0}), "");
}

}  // namespace
}  // namespace quantsim::conformance
