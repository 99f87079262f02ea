// Device min/max (exact) and 512-bin histogram (exact counts) vs CPU loops.
// Skips without a device.
#include <math.h>
#include <stdint.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/stats.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

TEST(MinMaxCuda, ExactPerTensorAndPerChannel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const std::vector<QdqLayout> layouts = {
      PerTensorLayout(1000003),
      QdqLayout{1, 64, 9 * 128, 1, false, false},
      QdqLayout{16, 24, 49, 1, false, false},
      QdqLayout{5000, 1, 48, 1, false, true},
      QdqLayout{8, 40, 3, 16, true, false},
  };
  for (const QdqLayout& l : layouts) {
    const int64_t n = l.NumElements();
    const int64_t np = l.NumParams();
    std::vector<float> x = testing::MakeData(n, 77, 5.0f);
    x[n / 2] = -0.0f;
    std::vector<float> lo(np, INFINITY), hi(np, -INFINITY);
    testing::ForEachElement(l, [&](int64_t e, int64_t p) {
      const float v = x[e];
      if (isnan(v)) return;
      // Total order with -0 < +0, as documented in stats.h.
      if (v < lo[p] || (v == lo[p] && signbit(v))) lo[p] = v;
      if (v > hi[p] || (v == hi[p] && !signbit(v))) hi[p] = v;
    });
    DeviceBuffer dx, dlo, dhi;
    ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
    ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(np, &dlo));
    ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(np, &dhi));
    QS_ASSERT_OK(MinMax(dx.as<float>(), l, dlo.as<float>(), dhi.as<float>()));
    std::vector<float> glo, ghi;
    ASSERT_NO_FATAL_FAILURE(testing::Download(dlo, &glo));
    ASSERT_NO_FATAL_FAILURE(testing::Download(dhi, &ghi));
    for (int64_t p = 0; p < np; ++p) {
      EXPECT_EQ(Bits(glo[p]), Bits(lo[p]))
          << p << ": " << glo[p] << " vs " << lo[p];
      EXPECT_EQ(Bits(ghi[p]), Bits(hi[p]))
          << p << ": " << ghi[p] << " vs " << hi[p];
    }
  }
}

TEST(MinMaxCuda, AllNanChannelGivesInfinities) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  std::vector<float> x = {NAN, NAN, 1.0f, -2.0f};
  DeviceBuffer dx, dlo, dhi;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(2, &dlo));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(2, &dhi));
  QS_ASSERT_OK(MinMax(dx.as<float>(), QdqLayout{1, 2, 2, 1, false, false},
                      dlo.as<float>(), dhi.as<float>()));
  std::vector<float> lo, hi;
  ASSERT_NO_FATAL_FAILURE(testing::Download(dlo, &lo));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dhi, &hi));
  EXPECT_EQ(lo, (std::vector<float>{INFINITY, -2.0f}));
  EXPECT_EQ(hi, (std::vector<float>{-INFINITY, 1.0f}));
}

TEST(Histogram512Cuda, ExactCountsVsCpuLoop) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = (1 << 22) + 5;
  std::vector<float> x = testing::MakeData(n, 123, 1.0f);
  // libpymo range: observed [-1.7, 2.9] enlarged x3 around the centre.
  const float mn = -1.7f, mx = 2.9f, center = (mn + mx) / 2;
  const float lo = center - 3 * (center - mn), hi = center + 3 * (mx - center);
  const HistogramRange range{lo, (hi - lo) / 512};
  // Exact ties at bin edges and the two ends of the range.
  for (int k = 0; k < 2000; ++k) {
    x[k] = range.x_left0 + (static_cast<float>(k % 515) - 1.5f) * range.bucket;
  }
  std::vector<uint64_t> want(kHistogramBins, 0);
  uint64_t want_dropped = 0;
  for (float v : x) {
    const float r = RoundHalfAway((v - range.x_left0) / range.bucket);
    if (r >= 0.0f && r <= 511.0f) {
      ++want[static_cast<int>(r)];
    } else {
      ++want_dropped;
    }
  }
  DeviceBuffer dx, dc, dd;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<uint64_t>(kHistogramBins, &dc));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<uint64_t>(1, &dd));
  for (int rep = 0; rep < 2; ++rep) {  // counts are overwritten, not added
    QS_ASSERT_OK(Histogram512(dx.as<float>(), n, range, dc.as<uint64_t>(),
                              dd.as<uint64_t>()));
  }
  std::vector<uint64_t> counts, dropped;
  ASSERT_NO_FATAL_FAILURE(testing::Download(dc, &counts));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dd, &dropped));
  EXPECT_EQ(counts, want);
  EXPECT_EQ(dropped[0], want_dropped);
  EXPECT_GT(want_dropped, 0u);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
