// Broadcast gradients: BinaryBackward vs central finite differences in
// double of L = sum_i w_i op(a, b)_i (inputs kept away from Max/Min ties),
// ties split in half, ReduceToShape Isa/thread invariance and checks.
#include "kernels/cpu/binary/binary_grad.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/binary/binary.h"
#include "tests/kernels/cpu/binary/binary_test_util.h"

namespace quantsim::kernels {
namespace {

using testing::OpD;
using testing::SourceOffset;

double Loss(BinaryOp op, const std::vector<double>& a, const Dims& ad,
            const std::vector<double>& b, const Dims& bd, const Dims& y,
            const std::vector<float>& w) {
  double l = 0;
  for (int64_t i = 0; i < y.NumElements(); ++i) {
    l += w[i] * OpD(op, a[SourceOffset(ad, y, i)], b[SourceOffset(bd, y, i)]);
  }
  return l;
}

TEST(BinaryGradTest, MatchesFiniteDifferences) {
  const std::vector<std::pair<Dims, Dims>> shapes = {
      {{3, 4}, {3, 4}},
      {{2, 3, 5}, {5}},
      {{4, 1, 3}, {1, 2, 1}},
      {{}, {3, 2}},
      {{2, 16, 3, 3}, {16, 1, 1}}};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> noise(-0.1f, 0.1f);
  std::uniform_int_distribution<int> k(-2, 2);
  for (const auto& [ad, bd] : shapes) {
    const Dims y = BroadcastDims(ad, bd).value();
    // a in 2k + 0.3 (+-0.1), b in 2k + 1.3: |a - b| >= 0.8, b != 0; for Pow
    // a is moved to (0.5, 2.5).
    std::vector<float> a(ad.NumElements()), b(bd.NumElements()),
        w(y.NumElements());
    for (float& v : a) v = 2 * k(rng) + 0.3f + noise(rng);
    for (float& v : b) v = 2 * k(rng) + 1.3f + noise(rng);
    for (float& v : w) v = 1 + noise(rng) * 5;
    for (int o = 0; o < kNumBinaryOps; ++o) {
      const BinaryOp op = static_cast<BinaryOp>(o);
      std::vector<float> aa = a;
      if (op == BinaryOp::kPow) {
        for (float& v : aa) v = 1.5f + v / 5;
      }
      std::vector<float> da(aa.size()), db(b.size());
      BinaryBackward(op, aa.data(), ad, b.data(), bd, w.data(), y, da.data(),
                     db.data());
      std::vector<double> ad64(aa.begin(), aa.end()), bd64(b.begin(), b.end());
      for (int which = 0; which < 2; ++which) {
        std::vector<double>& v = which == 0 ? ad64 : bd64;
        const std::vector<float>& g = which == 0 ? da : db;
        for (size_t j = 0; j < v.size(); ++j) {
          const double h = 1e-6, old = v[j];
          v[j] = old + h;
          const double lp = Loss(op, ad64, ad, bd64, bd, y, w);
          v[j] = old - h;
          const double lm = Loss(op, ad64, ad, bd64, bd, y, w);
          v[j] = old;
          const double fd = (lp - lm) / (2 * h);
          EXPECT_NEAR(g[j], fd,
                      1e-5 * (1 + std::fabs(fd)) * y.NumElements() /
                          std::max<int64_t>(1, v.size()))
              << BinaryOpName(op) << (which ? " db" : " da") << "[" << j << "]";
        }
      }
    }
  }
}

TEST(BinaryGradTest, MaxMinTiesSplitHalf) {
  const float a[2] = {1, 2}, b[2] = {1, 3}, dy[2] = {4, 4};
  float da[2], db[2];
  BinaryBackward(BinaryOp::kMax, a, {2}, b, {2}, dy, {2}, da, db);
  EXPECT_EQ(da[0], 2);
  EXPECT_EQ(db[0], 2);
  EXPECT_EQ(da[1], 0);
  EXPECT_EQ(db[1], 4);
  BinaryBackward(BinaryOp::kMin, a, {2}, b, {2}, dy, {2}, da, nullptr);
  EXPECT_EQ(da[0], 2);
  EXPECT_EQ(da[1], 4);
}

TEST(BinaryGradTest, ReduceToShapeInvariantAndChecked) {
  const Dims y{3, 64, 129}, x{64, 1};
  std::vector<float> dy(y.NumElements());
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> d(-1, 1);
  for (float& v : dy) v = d(rng);
  std::vector<float> ref(64);
  ReduceToShape(dy.data(), y, ref.data(), x, nullptr, engine::Isa::kScalar);
  for (int i = 0; i < 64; ++i) {
    double s = 0;
    for (int n = 0; n < 3; ++n) {
      for (int k = 0; k < 129; ++k) s += dy[(n * 64 + i) * 129 + k];
    }
    EXPECT_NEAR(ref[i], s, 1e-4);
  }
  for (engine::Isa isa : engine::SupportedIsas()) {
    for (int t : {1, 2, 3}) {
      engine::ThreadPool pool(t);
      std::vector<float> out(64);
      ReduceToShape(dy.data(), y, out.data(), x, &pool, isa);
      EXPECT_EQ(0, std::memcmp(out.data(), ref.data(), 64 * 4));
    }
  }
  float tmp[64];
  EXPECT_EQ(ReduceToShapeChecked(dy.data(), y, tmp, {5, 1}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReduceToShapeChecked(dy.data(), {2, 3}, tmp, {4, 2, 3}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::kernels
