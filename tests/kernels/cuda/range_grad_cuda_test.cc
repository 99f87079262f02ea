// Range-learning backward on the device vs the CPU kernel
// kernels::RangeLearnBackward: dx and x_hat bit for bit always; dmin / dmax
// bit for bit when the per-channel double sums are exact (data on a power-of-
// two grid), otherwise within the bound of a different summation order of
// the same per-element terms; and reproducible run to run. Skips without a
// device.
#include <math.h>
#include <stdint.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/fake_quant.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

struct Grads {
  std::vector<float> dx, x_hat, dmin, dmax;
};

struct ConfigCase {
  std::string name;
  RangeGradConfig config;
};

std::vector<ConfigCase> Configs() {
  return {
      {"v1_asym", AimetV1RangeGradConfig(8, false)},
      {"v1_sym", AimetV1RangeGradConfig(8, true)},
      {"v1_strict_sym", AimetV1RangeGradConfig(8, true, true)},
      {"v2_asym", V2RangeGradConfig(8, false)},
      {"v2_sym", V2RangeGradConfig(8, true)},
  };
}

std::vector<std::pair<std::string, QdqLayout>> Layouts() {
  return {
      {"per_tensor", PerTensorLayout(100003)},
      {"per_tensor_many_tasks", PerTensorLayout(3 * 16384 + 5)},
      {"channel_axis0", QdqLayout{1, 32, 4608, 1, false, false}},
      {"channel_axis1", QdqLayout{8, 16, 49, 1, false, false}},
      {"channel_last", QdqLayout{2000, 96, 1, 1, false, false}},
      {"tiny_channels", QdqLayout{1, 700, 3, 1, false, false}},
      {"empty_channels", QdqLayout{0, 5, 7, 1, false, false}},
  };
}

Grads RunCpu(const std::vector<float>& x, const std::vector<float>& g,
             const QdqLayout& l, const std::vector<float>& mn,
             const std::vector<float>& mx, const RangeGradConfig& rc) {
  Grads r;
  r.dx.resize(x.size());
  r.x_hat.resize(x.size());
  r.dmin.resize(l.axis);
  r.dmax.resize(l.axis);
  kernels::RangeLearnBackward(x.data(), g.data(), l, mn.data(), mx.data(), rc,
                              r.dx.data(), r.dmin.data(), r.dmax.data(),
                              r.x_hat.data());
  return r;
}

void RunGpu(const std::vector<float>& x, const std::vector<float>& g,
            const QdqLayout& l, const std::vector<float>& mn,
            const std::vector<float>& mx, const RangeGradConfig& rc,
            Grads* out) {
  const int64_t n = l.NumElements();
  DeviceBuffer dxin, dg, ddx, dxh, ddmin, ddmax;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dxin));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(g, &dg));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &ddx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &dxh));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.axis, &ddmin));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.axis, &ddmax));
  QS_ASSERT_OK(cuda::RangeLearnBackward(
      dxin.as<float>(), dg.as<float>(), l, mn.data(), mx.data(), rc,
      ddx.as<float>(), ddmin.as<float>(), ddmax.as<float>(), dxh.as<float>()));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddx, &out->dx));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dxh, &out->x_hat));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmin, &out->dmin));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmax, &out->dmax));
}

// Encodings with scale exactly 2^-4 for every config: asymmetric
// [-128, 127] * 2^-4 (N = 255); v1 symmetric max = floor(N/2) * 2^-4
// (strict: N = 254, floor(N/2) = 127 as well).
void ExactEncodings(const QdqLayout& l, const RangeGradConfig& rc,
                    std::vector<float>* mn, std::vector<float>* mx) {
  mn->assign(l.axis, -8.0f);
  mx->assign(l.axis, 127.0f / 16.0f);
  for (int64_t a = 0; a < l.axis; ++a) {
    // Shift some channels by whole steps (the scale stays 2^-4).
    const float shift = static_cast<float>(a % 5) / 16.0f;
    if (!(rc.formula == RangeGradFormula::kAimetV1 && rc.symmetric)) {
      (*mn)[a] += shift;
      (*mx)[a] += shift;
    }
  }
}

// x on a 2^-12 grid within +-16 (so x / s is a multiple of 2^-8, clipped on
// both sides, with exact ties), g on a 2^-8 grid within +-4: every term g*d
// is a multiple of 2^-16 below 2^11 in magnitude (|d| <= 1/2 inside, |q + o|
// < 2^9 clipped), so with < 2^26 terms per channel every partial sum is a
// multiple of 2^-16 below 2^37, exact in double: the summation order cannot
// matter.
void ExactData(int64_t n, uint32_t seed, std::vector<float>* x,
               std::vector<float>* g) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> xi(-16 * 4096, 16 * 4096);
  std::uniform_int_distribution<int> gi(-4 * 256, 4 * 256);
  x->resize(n);
  g->resize(n);
  for (int64_t e = 0; e < n; ++e) {
    (*x)[e] = static_cast<float>(e % 7 == 0 ? (xi(rng) / 128) * 128 : xi(rng)) /
              4096.0f;
    (*g)[e] = static_cast<float>(gi(rng)) / 256.0f;
  }
}

TEST(RangeLearnBackwardCuda, BitIdenticalToCpuKernelWhenSumsAreExact) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const auto& [lname, l] : Layouts()) {
    for (const ConfigCase& cc : Configs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      std::vector<float> x, g, mn, mx;
      ExactData(l.NumElements(), 41, &x, &g);
      ExactEncodings(l, cc.config, &mn, &mx);
      const Grads want = RunCpu(x, g, l, mn, mx, cc.config);
      Grads got;
      ASSERT_NO_FATAL_FAILURE(RunGpu(x, g, l, mn, mx, cc.config, &got));
      EXPECT_EQ(testing::CountBitMismatches(got.dx, want.dx, "dx"), 0);
      EXPECT_EQ(testing::CountBitMismatches(got.x_hat, want.x_hat, "x_hat"), 0);
      EXPECT_EQ(testing::CountBitMismatches(got.dmin, want.dmin, "dmin"), 0);
      EXPECT_EQ(testing::CountBitMismatches(got.dmax, want.dmax, "dmax"), 0);
    }
  }
}

// |float(a) - float(b)| allowed when the doubles a, b differ by <= delta:
// delta plus one float ulp at the larger magnitude.
double FloatTol(double value, double delta) {
  const float v = static_cast<float>(fabs(value) + delta);
  return delta + (nextafterf(v, INFINITY) - v);
}

TEST(RangeLearnBackwardCuda, RandomDataMatchesCpuKernelAndIsReproducible) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const auto& [lname, l] : Layouts()) {
    for (const ConfigCase& cc : Configs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      const RangeGradConfig& rc = cc.config;
      const int64_t n = l.NumElements();
      std::vector<float> x = testing::MakeData(n, 31, 2.0f);
      for (float& v : x) {
        if (!isfinite(v)) v = 7.5f;  // NaN would make every sum NaN
      }
      std::vector<float> g = testing::MakeData(n, 40, 1.0f);
      for (float& v : g) {
        if (!isfinite(v)) v = -0.25f;
      }
      std::vector<float> mn(l.axis), mx(l.axis);
      for (int64_t a = 0; a < l.axis; ++a) {
        mn[a] = -1.0f - 0.37f * static_cast<float>(a % 11);
        mx[a] = 1.3f + 0.11f * static_cast<float>(a % 7);
      }
      const Grads want = RunCpu(x, g, l, mn, mx, rc);
      Grads got, again;
      ASSERT_NO_FATAL_FAILURE(RunGpu(x, g, l, mn, mx, rc, &got));
      ASSERT_NO_FATAL_FAILURE(RunGpu(x, g, l, mn, mx, rc, &again));
      EXPECT_EQ(testing::CountBitMismatches(got.dx, want.dx, "dx"), 0);
      EXPECT_EQ(testing::CountBitMismatches(got.x_hat, want.x_hat, "x_hat"), 0);
      EXPECT_EQ(testing::CountBitMismatches(again.dmin, got.dmin, "rerun dmin"),
                0);
      EXPECT_EQ(testing::CountBitMismatches(again.dmax, got.dmax, "rerun dmax"),
                0);
      // Bound: per channel, both sums add the same m exact terms in two
      // orders, each within (m - 1) 2^-53 sum|term| of the exact sum; the
      // double chain rule adds a few roundings (4 2^-53 of the magnitudes).
      const double u = ldexp(1.0, -53);
      const int64_t m = l.outer * l.inner;
      for (int64_t a = 0; a < l.axis; ++a) {
        const RangeGradGrid grid = MakeRangeGradGrid(mn[a], mx[a], rc);
        double abs_s = 0.0, abs_o = 0.0;
        for (int64_t o = 0; o < l.outer; ++o) {
          for (int64_t i = 0; i < l.inner; ++i) {
            const int64_t e = (o * l.axis + a) * l.inner + i;
            RangeGradSums term;
            RangeGradElement(x[e], g[e], grid,
                             rc.rounding == RoundingMode::kHalfToEven, nullptr,
                             nullptr, &term);
            abs_s += fabs(term.s);
            abs_o += fabs(term.o);
          }
        }
        const double k = 2.0 * static_cast<double>(m > 0 ? m - 1 : 0) + 4.0;
        const double dmin_delta =
            k * u * (fabs(grid.dmin_ds) * abs_s + fabs(grid.dmin_dso) * abs_o);
        const double dmax_delta =
            k * u * (fabs(grid.dmax_ds) * abs_s + fabs(grid.dmax_dso) * abs_o);
        EXPECT_LE(fabs(double{got.dmin[a]} - want.dmin[a]),
                  FloatTol(want.dmin[a], dmin_delta))
            << "channel " << a << ": " << got.dmin[a] << " vs " << want.dmin[a];
        EXPECT_LE(fabs(double{got.dmax[a]} - want.dmax[a]),
                  FloatTol(want.dmax[a], dmax_delta))
            << "channel " << a << ": " << got.dmax[a] << " vs " << want.dmax[a];
      }
    }
  }
}

// dx / x_hat may be null (not written), dx may alias dy.
TEST(RangeLearnBackwardCuda, OptionalOutputsAndInPlaceGradient) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const QdqLayout l{4, 8, 300, 1, false, false};
  const int64_t n = l.NumElements();
  const RangeGradConfig rc = V2RangeGradConfig(4, false);
  std::vector<float> x, g, mn, mx;
  ExactData(n, 5, &x, &g);
  ExactEncodings(l, rc, &mn, &mx);
  const Grads want = RunCpu(x, g, l, mn, mx, rc);
  DeviceBuffer dxin, dg, ddmin, ddmax;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dxin));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(g, &dg));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.axis, &ddmin));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.axis, &ddmax));
  QS_ASSERT_OK(cuda::RangeLearnBackward(
      dxin.as<float>(), dg.as<float>(), l, mn.data(), mx.data(), rc, nullptr,
      ddmin.as<float>(), ddmax.as<float>(), nullptr));
  std::vector<float> dmin, dmax, g_after;
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmin, &dmin));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmax, &dmax));
  EXPECT_EQ(testing::CountBitMismatches(dmin, want.dmin, "dmin"), 0);
  EXPECT_EQ(testing::CountBitMismatches(dmax, want.dmax, "dmax"), 0);
  QS_ASSERT_OK(cuda::RangeLearnBackward(
      dxin.as<float>(), dg.as<float>(), l, mn.data(), mx.data(), rc,
      dg.as<float>(), ddmin.as<float>(), ddmax.as<float>(), nullptr));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dg, &g_after));
  EXPECT_EQ(testing::CountBitMismatches(g_after, want.dx, "dx in place"), 0);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
