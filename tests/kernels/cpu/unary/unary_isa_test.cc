// Unary kernels: every SIMD Isa vs the scalar reference. Bit-exact where
// UnarySimdTolerance is zero; otherwise within it, and the measured maximum
// (in units of eps * (|ref| + |x|)) is printed so the tolerance stays
// grounded. xsimd documents no ulp bound for its float exp/tanh/erf (they
// are boost.simd's, tested to a few ulp); measured here over [-6, 6]
// ([-20, 20] for Exp) on a dense grid plus random points: <= 2 ulp for
// exp/tanh/sigmoid, Gelu <= 2 eps (|y| + |x|).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/unary/unary.h"
#include "tests/kernels/cpu/unary/unary_double_ref.h"

namespace quantsim::kernels {
namespace {

constexpr float kEps = std::numeric_limits<float>::epsilon();

std::vector<float> Grid(UnaryOp op) {
  double lo, hi;
  testing::UnaryDomain(op, &lo, &hi);
  std::vector<float> x;
  const int kN = 200003;  // odd: exercises the padded tail
  for (int i = 0; i < kN; ++i) x.push_back(lo + (hi - lo) * i / (kN - 1));
  // Specials: zeros, infinities, NaN, huge and tiny.
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, inf, -inf, 1e30f, -1e30f, 1e-30f, -1e-30f}) {
    x.push_back(v);
  }
  return x;
}

bool SameOrNan(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::memcmp(&a, &b, sizeof(float)) == 0;
}

class UnaryIsaTest
    : public ::testing::TestWithParam<std::tuple<int, engine::Isa>> {};

TEST_P(UnaryIsaTest, MatchesScalar) {
  const UnaryOp op = static_cast<UnaryOp>(std::get<0>(GetParam()));
  const engine::Isa isa = std::get<1>(GetParam());
  if (!engine::IsaSupported(isa)) GTEST_SKIP() << "no " << engine::IsaName(isa);
  const UnaryParams p = testing::TestParams(op);
  const std::vector<float> x = Grid(op);
  const int64_t n = x.size();
  std::vector<float> dy(n);
  for (int64_t i = 0; i < n; ++i) dy[i] = 1.0f - 0.37f * (i % 5);
  std::vector<float> ys(n), yv(n), dxs(n), dxv(n);
  UnaryForward(p, x.data(), ys.data(), n, nullptr, engine::Isa::kScalar);
  UnaryForward(p, x.data(), yv.data(), n, nullptr, isa);
  // Backward from the same (scalar) y so only the gradient formula differs.
  UnaryBackward(p, x.data(), ys.data(), dy.data(), dxs.data(), n, nullptr,
                engine::Isa::kScalar);
  UnaryBackward(p, x.data(), ys.data(), dy.data(), dxv.data(), n, nullptr, isa);
  for (bool bwd : {false, true}) {
    const UnaryTolerance t = UnarySimdTolerance(op, bwd);
    const std::vector<float>& s = bwd ? dxs : ys;
    const std::vector<float>& v = bwd ? dxv : yv;
    const bool exact = t.rel == 0 && t.abs_x == 0 && t.abs == 0;
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (exact) {
        ASSERT_TRUE(SameOrNan(s[i], v[i]))
            << UnaryOpName(op) << (bwd ? " bwd" : " fwd") << " x=" << x[i]
            << " scalar " << s[i] << " simd " << v[i];
        continue;
      }
      // Inexact ops agree exactly on infinities/NaN (inputs or results).
      if (!std::isfinite(x[i]) || !std::isfinite(s[i])) {
        ASSERT_TRUE(SameOrNan(s[i], v[i])) << UnaryOpName(op) << " x=" << x[i];
        continue;
      }
      const float scale = bwd ? std::fabs(dy[i]) : 1.0f;
      const double err = std::fabs(double{s[i]} - v[i]);
      const double allowed = scale * (t.rel * std::fabs(s[i]) +
                                      t.abs_x * std::fabs(x[i]) + t.abs) +
                             1e-38;
      ASSERT_LE(err, allowed)
          << UnaryOpName(op) << (bwd ? " bwd" : " fwd") << " x=" << x[i]
          << " scalar " << s[i] << " simd " << v[i];
      const double unit =
          kEps * scale *
          (std::fabs(s[i]) + std::fabs(x[i]) * (t.abs_x > 0) + (t.abs > 0));
      if (unit > 0) worst = std::max(worst, err / unit);
    }
    if (!exact) {
      std::printf("%s %s %s: max err %.2f eps-units\n", UnaryOpName(op),
                  bwd ? "bwd" : "fwd", engine::IsaName(isa), worst);
    }
  }
}

std::vector<int> SimdOps() {
  std::vector<int> ops;
  for (int i = 0; i < kNumUnaryOps; ++i) {
    if (UnaryHasSimd(static_cast<UnaryOp>(i))) ops.push_back(i);
  }
  return ops;
}

INSTANTIATE_TEST_SUITE_P(
    Simd, UnaryIsaTest,
    ::testing::Combine(::testing::ValuesIn(SimdOps()),
                       ::testing::Values(engine::Isa::kSse2, engine::Isa::kAvx2,
                                         engine::Isa::kAvx512)),
    [](const ::testing::TestParamInfo<std::tuple<int, engine::Isa>>& info) {
      return std::string(
                 UnaryOpName(static_cast<UnaryOp>(std::get<0>(info.param)))) +
             "_" + engine::IsaName(std::get<1>(info.param));
    });

}  // namespace
}  // namespace quantsim::kernels
