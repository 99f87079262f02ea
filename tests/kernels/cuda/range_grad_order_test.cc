// Host check (no device needed) of the premises of range_grad_cuda_test:
// the per-channel sums of the CPU kernel's per-element terms, added in the
// order the CUDA kernel adds them (kernels/cuda/range_grad.cu: tasks of 16384
// elements, 256 thread-strided sums per task, a fixed shared-memory tree,
// task sums in order), give
//  * exactly the CPU kernel's dmin / dmax on the exact-sum data, and
//  * dmin / dmax within RangeGradTolerance of the CPU kernel's on random data
// (the bound is not vacuous: the test also checks it is tight enough to see
// a one-term error).
#include <math.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "tests/kernels/cuda/cuda_test_util.h"
#include "tests/kernels/cuda/range_grad_test_data.h"

namespace quantsim::kernels::cuda {
namespace {

constexpr int64_t kTask = 16384;
constexpr int kThreads = 256;

// dmin / dmax with the device's summation order.
void DeviceOrderModel(const std::vector<float>& x, const std::vector<float>& g,
                      const QdqLayout& l, const std::vector<float>& mn,
                      const std::vector<float>& mx, const RangeGradConfig& rc,
                      std::vector<float>* dmin, std::vector<float>* dmax) {
  const bool half_even = rc.rounding == RoundingMode::kHalfToEven;
  const int64_t m = l.outer * l.inner;
  dmin->assign(l.axis, 0.0f);
  dmax->assign(l.axis, 0.0f);
  for (int64_t a = 0; a < l.axis; ++a) {
    const RangeGradGrid grid = MakeRangeGradGrid(mn[a], mx[a], rc);
    RangeGradSums total;
    for (int64_t j0 = 0; j0 < m; j0 += kTask) {
      const int64_t j1 = std::min(m, j0 + kTask);
      std::vector<RangeGradSums> t(kThreads);
      for (int th = 0; th < kThreads; ++th) {
        for (int64_t j = j0 + th; j < j1; j += kThreads) {
          const int64_t o = j / l.inner, i = j % l.inner;
          const int64_t e = (o * l.axis + a) * l.inner + i;
          RangeGradElement(x[e], g[e], grid, half_even, nullptr, nullptr,
                           &t[th]);
        }
      }
      for (int h = kThreads / 2; h > 0; h >>= 1) {
        for (int th = 0; th < h; ++th) {
          t[th].s += t[th + h].s;
          t[th].o += t[th + h].o;
        }
      }
      total.s += t[0].s;
      total.o += t[0].o;
    }
    (*dmin)[a] =
        static_cast<float>(grid.dmin_ds * total.s + grid.dmin_dso * total.o);
    (*dmax)[a] =
        static_cast<float>(grid.dmax_ds * total.s + grid.dmax_dso * total.o);
  }
}

void Cpu(const std::vector<float>& x, const std::vector<float>& g,
         const QdqLayout& l, const std::vector<float>& mn,
         const std::vector<float>& mx, const RangeGradConfig& rc,
         std::vector<float>* dmin, std::vector<float>* dmax) {
  dmin->assign(l.axis, 0.0f);
  dmax->assign(l.axis, 0.0f);
  kernels::RangeLearnBackward(x.data(), g.data(), l, mn.data(), mx.data(), rc,
                              nullptr, dmin->data(), dmax->data(), nullptr);
}

TEST(RangeGradDeviceOrder, ExactDataGivesTheCpuKernelsBits) {
  for (const auto& [lname, l] : testing::RangeGradLayouts()) {
    for (const testing::RangeGradConfigCase& cc : testing::RangeGradConfigs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      std::vector<float> x, g, mn, mx, want_min, want_max, got_min, got_max;
      testing::ExactRangeGradData(l.NumElements(), 41, &x, &g);
      testing::ExactRangeGradEncodings(l, cc.config, &mn, &mx);
      Cpu(x, g, l, mn, mx, cc.config, &want_min, &want_max);
      DeviceOrderModel(x, g, l, mn, mx, cc.config, &got_min, &got_max);
      EXPECT_EQ(testing::CountBitMismatches(got_min, want_min, "dmin"), 0);
      EXPECT_EQ(testing::CountBitMismatches(got_max, want_max, "dmax"), 0);
    }
  }
}

TEST(RangeGradDeviceOrder, RandomDataWithinToleranceWhichIsTight) {
  int64_t checked = 0;
  for (const auto& [lname, l] : testing::RangeGradLayouts()) {
    for (const testing::RangeGradConfigCase& cc : testing::RangeGradConfigs()) {
      SCOPED_TRACE(lname + " " + cc.name);
      const RangeGradConfig& rc = cc.config;
      std::vector<float> x, g, mn, mx, want_min, want_max, got_min, got_max;
      testing::RandomRangeGradData(l, &x, &g, &mn, &mx);
      Cpu(x, g, l, mn, mx, rc, &want_min, &want_max);
      DeviceOrderModel(x, g, l, mn, mx, rc, &got_min, &got_max);
      for (int64_t a = 0; a < l.axis; ++a) {
        double tol_min, tol_max;
        testing::RangeGradTolerance(x, g, l, mn, mx, rc, a, want_min[a],
                                    want_max[a], &tol_min, &tol_max);
        EXPECT_LE(fabs(double{got_min[a]} - want_min[a]), tol_min) << a;
        EXPECT_LE(fabs(double{got_max[a]} - want_max[a]), tol_max) << a;
        // Tight: far below one typical term g * d / N of the gradient.
        if (l.outer * l.inner > 0 && fabs(want_max[a]) > 1e-3) {
          EXPECT_LT(tol_max, 1e-4 * fabs(want_max[a]) + 1e-6) << a;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
