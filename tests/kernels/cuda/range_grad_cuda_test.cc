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
#include "tests/kernels/cuda/range_grad_test_data.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

struct Grads {
  std::vector<float> dx, x_hat, dmin, dmax;
};

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

TEST(RangeLearnBackwardCuda, BitIdenticalToCpuKernelWhenSumsAreExact) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const auto& [lname, l] : testing::RangeGradLayouts()) {
    for (const testing::RangeGradConfigCase& cc : testing::RangeGradConfigs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      std::vector<float> x, g, mn, mx;
      testing::ExactRangeGradData(l.NumElements(), 41, &x, &g);
      testing::ExactRangeGradEncodings(l, cc.config, &mn, &mx);
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

TEST(RangeLearnBackwardCuda, RandomDataMatchesCpuKernelAndIsReproducible) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const auto& [lname, l] : testing::RangeGradLayouts()) {
    for (const testing::RangeGradConfigCase& cc : testing::RangeGradConfigs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      const RangeGradConfig& rc = cc.config;
      std::vector<float> x, g, mn, mx;
      testing::RandomRangeGradData(l, &x, &g, &mn, &mx);
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
      for (int64_t a = 0; a < l.axis; ++a) {
        double tol_min, tol_max;
        testing::RangeGradTolerance(x, g, l, mn, mx, rc, a, want.dmin[a],
                                    want.dmax[a], &tol_min, &tol_max);
        EXPECT_LE(fabs(double{got.dmin[a]} - want.dmin[a]), tol_min)
            << "channel " << a << ": " << got.dmin[a] << " vs " << want.dmin[a];
        EXPECT_LE(fabs(double{got.dmax[a]} - want.dmax[a]), tol_max)
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
  const RangeGradConfig rc = V2RangeGradConfig(8, false);
  std::vector<float> x, g, mn, mx;
  testing::ExactRangeGradData(n, 5, &x, &g);
  testing::ExactRangeGradEncodings(l, rc, &mn, &mx);
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
