// Range-learning backward on the device vs a CPU double computation of the
// spec §3.3 (v1) / §3.4 (v2) formulas; dx exact. Skips without a device.
#include <math.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/fake_quant.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

struct CpuGrads {
  std::vector<float> dx;
  std::vector<double> dmin, dmax;
  std::vector<double> bound;  // |d/dG_s| sum|s-terms| + |d/dG_o| sum|o-terms|
};

CpuGrads CpuRangeGrad(const std::vector<float>& x, const std::vector<float>& g,
                      const QdqLayout& l, const std::vector<QdqParam>& params,
                      const std::vector<float>& mn,
                      const std::vector<float>& mx, const RangeGradConfig& rc) {
  const int64_t np = l.NumParams();
  std::vector<double> gs(np), go(np), as(np), ao(np);
  CpuGrads r;
  r.dx.resize(x.size());
  testing::ForEachElement(l, [&](int64_t e, int64_t p) {
    const QdqParam& q = params[p];
    const uint8_t m = QdqMaskValue(x[e], q, rc.qdq);
    r.dx[e] = g[e] * static_cast<float>(m);
    const double qz =
        static_cast<double>(QuantizeValue(x[e], q, rc.qdq, e)) - q.zero_point;
    const double ts = double{g[e]} * (qz - (m ? double{x[e]} / q.scale : 0.0));
    const double to = m ? 0.0 : double{g[e]} * q.scale;
    gs[p] += ts;
    go[p] += to;
    as[p] += fabs(ts);
    ao[p] += fabs(to);
  });
  const double big_n = double{rc.qdq.qmax} - rc.qdq.qmin;
  for (int64_t p = 0; p < np; ++p) {
    double ks, ko_min,
        ko_max;  // dmin = -ks gs + ko_min go, dmax = ks gs - ko_max go
    if (rc.symmetric) {
      ks = rc.formula == RangeGradFormula::kAimetV1 ? 1.0 / floor(big_n / 2)
                                                    : 1.0 / big_n;
      ko_min = ko_max = 0.0;
    } else if (rc.formula == RangeGradFormula::kAimetV1) {
      const double w = double{mx[p]} - mn[p];
      ks = 1.0 / big_n;
      ko_min = mx[p] * big_n / (w * w);
      ko_max = mn[p] * big_n / (w * w);
    } else {
      const double s = params[p].scale;
      ks = 1.0 / big_n;
      ko_min = 1.0 / s + mn[p] / (s * s * big_n);
      ko_max = mn[p] / (s * s * big_n);
    }
    r.dmin.push_back(-ks * gs[p] + ko_min * go[p]);
    r.dmax.push_back(ks * gs[p] - ko_max * go[p]);
    r.bound.push_back(ks * as[p] + (fabs(ko_min) + fabs(ko_max)) * ao[p]);
  }
  return r;
}

void CheckRangeGrad(const QdqLayout& l, const RangeGradConfig& rc,
                    uint32_t seed) {
  const int64_t n = l.NumElements();
  const int64_t np = l.NumParams();
  std::vector<float> x = testing::MakeData(n, seed, 2.0f);
  for (float& v : x) {
    if (!isfinite(v)) v = 7.5f;  // finite inputs: NaN would poison the sums
  }
  const std::vector<float> g = testing::MakeData(n, seed + 9, 1.0f);
  std::vector<float> gf(g);
  for (float& v : gf) {
    if (!isfinite(v)) v = -0.25f;
  }
  std::vector<QdqParam> params = testing::MakeParams(np, rc.qdq, seed + 2);
  std::vector<float> mn(np), mx(np);
  for (int64_t p = 0; p < np; ++p) {
    if (rc.symmetric) params[p].zero_point = 0.0f;
    params[p] = MakeQdqParam(params[p].scale, params[p].zero_point, rc.qdq.qmin,
                             rc.qdq.qmax);
    mn[p] = params[p].clip_lo;
    mx[p] = params[p].clip_hi;
  }
  const CpuGrads want = CpuRangeGrad(x, gf, l, params, mn, mx, rc);

  DeviceBuffer dx_in, dg, dp, dmn, dmx, ddx, ddmin, ddmax;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx_in));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(gf, &dg));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(params, &dp));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(mn, &dmn));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(mx, &dmx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &ddx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(np, &ddmin));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(np, &ddmax));
  QS_ASSERT_OK(RangeLearningBackward(dx_in.as<float>(), dg.as<float>(), l,
                                     dp.as<QdqParam>(), dmn.as<float>(),
                                     dmx.as<float>(), np, rc, ddx.as<float>(),
                                     ddmin.as<float>(), ddmax.as<float>()));
  std::vector<float> dx, dmin, dmax;
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddx, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmin, &dmin));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddmax, &dmax));
  int64_t bad = 0;
  for (int64_t e = 0; e < n; ++e) bad += Bits(dx[e]) != Bits(want.dx[e]);
  EXPECT_EQ(bad, 0) << "dx differs";
  for (int64_t p = 0; p < np; ++p) {
    // Double sums in another order: error <= n * 2^-52 * bound; then one
    // float rounding of the result (2^-24 relative).
    const double tol_min =
        1e-12 * n * want.bound[p] + 6e-8 * fabs(want.dmin[p]);
    const double tol_max =
        1e-12 * n * want.bound[p] + 6e-8 * fabs(want.dmax[p]);
    EXPECT_NEAR(dmin[p], want.dmin[p], tol_min) << "param " << p;
    EXPECT_NEAR(dmax[p], want.dmax[p], tol_max) << "param " << p;
  }
}

TEST(RangeLearningBackwardCuda, MatchesCpuDoubleForV1AndV2) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const std::vector<std::pair<std::string, QdqLayout>> layouts = {
      {"per_tensor", PerTensorLayout(200003)},
      {"channel_axis0", QdqLayout{1, 32, 4608, 1, false, false}},
      {"channel_axis1", QdqLayout{8, 16, 49, 1, false, false}},
      {"channel_last", QdqLayout{2000, 1, 96, 1, false, true}},
  };
  for (const auto& [name, l] : layouts) {
    for (RangeGradFormula f :
         {RangeGradFormula::kAimetV1, RangeGradFormula::kAimetV2}) {
      for (bool symmetric : {false, true}) {
        RangeGradConfig rc;
        rc.formula = f;
        rc.symmetric = symmetric;
        if (!symmetric) {
          rc.qdq.qmin = 0.0f;
          rc.qdq.qmax = 255.0f;
        }
        SCOPED_TRACE(name + " formula " + std::to_string(int(f)) +
                     (symmetric ? " symmetric" : " asymmetric"));
        CheckRangeGrad(l, rc, 31);
      }
    }
  }
}

}  // namespace
}  // namespace quantsim::kernels::cuda
