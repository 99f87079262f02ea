// Device min/max and histograms vs the CPU kernels (kernels::MinMax,
// MinMaxPerChannel, HistogramRounded, HistogramLinear): equal bit for bit /
// count for count. Skips without a device.
#include <math.h>
#include <stdint.h>

#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/stats/histogram.h"
#include "kernels/cpu/stats/minmax.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/stats.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

void RunGpuMinMax(const std::vector<float>& x, const QdqLayout& l,
                  std::vector<float>* lo, std::vector<float>* hi) {
  DeviceBuffer dx, dlo, dhi;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.NumParams(), &dlo));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(l.NumParams(), &dhi));
  QS_ASSERT_OK(MinMax(dx.as<float>(), l, dlo.as<float>(), dhi.as<float>()));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dlo, lo));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dhi, hi));
}

// Data with NaN, +-inf, and both zeros in many channels.
std::vector<float> MinMaxData(int64_t n, uint32_t seed) {
  std::vector<float> x = testing::MakeData(n, seed, 5.0f);
  for (int64_t e = 0; e < n; e += 97) x[e] = (e / 97) % 2 ? -0.0f : 0.0f;
  return x;
}

TEST(MinMaxCuda, PerTensorEqualsCpuKernel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (int64_t n : {int64_t{1}, int64_t{4097}, int64_t{1000003}}) {
    std::vector<float> x = MinMaxData(n, 77);
    for (bool finite_zero_only : {false, true}) {
      if (finite_zero_only) {
        // Only NaN and zeros of both signs: min -0, max +0.
        for (int64_t e = 0; e < n; ++e) {
          x[e] = e % 3 == 0 ? NAN : (e % 3 == 1 ? 0.0f : -0.0f);
        }
      }
      const MinMaxResult want = kernels::MinMax(x.data(), n, {});
      std::vector<float> lo, hi;
      ASSERT_NO_FATAL_FAILURE(RunGpuMinMax(x, PerTensorLayout(n), &lo, &hi));
      EXPECT_EQ(Bits(lo[0]), Bits(want.min)) << lo[0] << " vs " << want.min;
      EXPECT_EQ(Bits(hi[0]), Bits(want.max)) << hi[0] << " vs " << want.max;
    }
  }
}

TEST(MinMaxCuda, PerChannelEqualsCpuKernel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const std::vector<QdqLayout> layouts = {
      QdqLayout{1, 64, 9 * 128, 1, false, false},  // axis 0, long rows
      QdqLayout{16, 24, 49, 1, false, false},      // middle axis
      QdqLayout{5000, 48, 1, 1, false, false},     // last axis, inner = 1
      QdqLayout{3, 2, 70000, 1, false, false},     // rows longer than a span
  };
  for (const QdqLayout& l : layouts) {
    const std::vector<float> x = MinMaxData(l.NumElements(), 78);
    std::vector<float> want_lo(l.axis), want_hi(l.axis);
    QS_ASSERT_OK(MinMaxPerChannel(x, l, absl::MakeSpan(want_lo),
                                  absl::MakeSpan(want_hi)));
    std::vector<float> lo, hi;
    ASSERT_NO_FATAL_FAILURE(RunGpuMinMax(x, l, &lo, &hi));
    EXPECT_EQ(testing::CountBitMismatches(lo, want_lo, "min"), 0);
    EXPECT_EQ(testing::CountBitMismatches(hi, want_hi, "max"), 0);
    // The same channels through the device's column walk: per channel on
    // the last axis as vary_inner (outer, 1, C).
    if (l.inner == 1) {
      const QdqLayout col{l.outer, 1, l.axis, 1, false, true};
      ASSERT_NO_FATAL_FAILURE(RunGpuMinMax(x, col, &lo, &hi));
      EXPECT_EQ(testing::CountBitMismatches(lo, want_lo, "column min"), 0);
      EXPECT_EQ(testing::CountBitMismatches(hi, want_hi, "column max"), 0);
    }
  }
}

// Blockwise layouts (no CPU per-block kernel): each parameter's elements,
// gathered in order, through kernels::MinMax.
TEST(MinMaxCuda, BlockwiseEqualsCpuKernelPerBlock) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const QdqLayout& l : {QdqLayout{8, 40, 3, 16, true, false},
                             QdqLayout{6, 37, 5, 8, true, true}}) {
    const std::vector<float> x = MinMaxData(l.NumElements(), 79);
    std::vector<std::vector<float>> per_param(l.NumParams());
    testing::ForEachElement(
        l, [&](int64_t e, int64_t p) { per_param[p].push_back(x[e]); });
    std::vector<float> want_lo, want_hi;
    for (const std::vector<float>& v : per_param) {
      const MinMaxResult r =
          kernels::MinMax(v.data(), static_cast<int64_t>(v.size()), {});
      want_lo.push_back(r.min);
      want_hi.push_back(r.max);
    }
    std::vector<float> lo, hi;
    ASSERT_NO_FATAL_FAILURE(RunGpuMinMax(x, l, &lo, &hi));
    EXPECT_EQ(testing::CountBitMismatches(lo, want_lo, "min"), 0);
    EXPECT_EQ(testing::CountBitMismatches(hi, want_hi, "max"), 0);
  }
}

TEST(MinMaxCuda, AllNanChannelGivesInfinities) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const std::vector<float> x = {NAN, NAN, 1.0f, -2.0f};
  std::vector<float> lo, hi;
  ASSERT_NO_FATAL_FAILURE(
      RunGpuMinMax(x, QdqLayout{1, 2, 2, 1, false, false}, &lo, &hi));
  EXPECT_EQ(lo, (std::vector<float>{INFINITY, -2.0f}));
  EXPECT_EQ(hi, (std::vector<float>{-INFINITY, 1.0f}));
}

// Runs a device histogram twice into the same counts (the kernels add, as
// the CPU ones do).
template <typename Launch>
void RunGpuHistogramTwice(const std::vector<float>& x, int32_t num,
                          Launch launch, std::vector<uint64_t>* counts,
                          uint64_t* extra) {
  DeviceBuffer dx, dc, dd;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(std::vector<uint64_t>(num, 0), &dc));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(std::vector<uint64_t>(1, 0), &dd));
  for (int rep = 0; rep < 2; ++rep) {
    QS_ASSERT_OK(launch(dx.as<float>(), static_cast<int64_t>(x.size()),
                        dc.as<uint64_t>(), dd.as<uint64_t>()));
  }
  std::vector<uint64_t> d;
  ASSERT_NO_FATAL_FAILURE(testing::Download(dc, counts));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dd, &d));
  *extra = d[0];
}

TEST(HistogramCuda, RoundedEqualsCpuKernel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = (1 << 22) + 5;
  std::vector<float> x = testing::MakeData(n, 123, 1.0f);
  // libpymo: observed [-1.7, 2.9] enlarged x3 around the centre, 512
  // buckets; xLeft[0] and the width in double, as libpymo keeps them.
  const double mn = -1.7, mx = 2.9, center = (mn + mx) / 2;
  const double lo = center - 3 * (center - mn), hi = center + 3 * (mx - center);
  const double width = (hi - lo) / 512;
  for (int32_t num : {512, 2048}) {
    const RoundedBuckets b = MakePymoBuckets(lo, width, num);
    // Exact ties x / width - offset = k + 1/2 and both ends of the range.
    for (int k = 0; k < 4000; ++k) {
      x[k] = (static_cast<float>(k % (num + 3)) - 1.5f + b.offset) * b.width;
    }
    std::vector<uint64_t> want(num, 0);
    uint64_t want_dropped = 0;
    for (int rep = 0; rep < 2; ++rep) {
      QS_ASSERT_OK(
          kernels::HistogramRounded(x, b, absl::MakeSpan(want), &want_dropped));
    }
    std::vector<uint64_t> counts;
    uint64_t dropped = 0;
    ASSERT_NO_FATAL_FAILURE(RunGpuHistogramTwice(
        x, num,
        [&](const float* px, int64_t pn, uint64_t* c, uint64_t* d) {
          return HistogramRounded(px, pn, b, c, d);
        },
        &counts, &dropped));
    EXPECT_EQ(counts, want) << num << " buckets";
    EXPECT_EQ(dropped, want_dropped) << num << " buckets";
    EXPECT_GT(want_dropped, 0u);
  }
}

TEST(HistogramCuda, LinearEqualsCpuKernel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = (1 << 21) + 3;
  std::vector<float> x = testing::MakeData(n, 321, 1.0f);
  const LinearBins b{-2.75f, 3.125f, 2048};
  // Bin edges lo + k (hi - lo) / num and the range ends.
  for (int k = 0; k < 4000; ++k) {
    x[k] = b.lo + static_cast<float>(k % 2051 - 1) * ((b.hi - b.lo) / 2048);
  }
  std::vector<uint64_t> want(b.num_bins, 0);
  uint64_t want_nan = 0;
  for (int rep = 0; rep < 2; ++rep) {
    QS_ASSERT_OK(
        kernels::HistogramLinear(x, b, absl::MakeSpan(want), &want_nan));
  }
  std::vector<uint64_t> counts;
  uint64_t nan_count = 0;
  ASSERT_NO_FATAL_FAILURE(RunGpuHistogramTwice(
      x, b.num_bins,
      [&](const float* px, int64_t pn, uint64_t* c, uint64_t* d) {
        return HistogramLinear(px, pn, b, c, d);
      },
      &counts, &nan_count));
  EXPECT_EQ(counts, want);
  EXPECT_EQ(nan_count, want_nan);
  EXPECT_GT(want_nan, 0u);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
