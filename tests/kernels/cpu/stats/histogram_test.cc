// Histogram kernels: every Isa and 1/2/3 threads count exactly like the
// scalar reference (random data, ties, bucket edges, specials); bad input.
#include "kernels/cpu/stats/histogram.h"

#include <math.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/stats/stats_reference.h"
#include "tests/kernels/cpu/stats/test_util.h"

namespace quantsim::kernels {
namespace {

using testing::AllVariants;
using testing::EdgeData;
using testing::VariantExec;

std::vector<uint64_t> NaiveRounded(const std::vector<float>& x,
                                   const RoundedBuckets& b, uint64_t* dropped) {
  std::vector<uint64_t> c(b.num_buckets + 1, 0);
  for (float v : x)
    ++c[RoundedBucketIndex(v, b.width, b.offset, b.num_buckets)];
  *dropped = c.back();
  c.pop_back();
  return c;
}

std::vector<uint64_t> NaiveLinear(const std::vector<float>& x,
                                  const LinearBins& b, uint64_t* nan) {
  std::vector<uint64_t> c(b.num_bins + 1, 0);
  for (float v : x) ++c[LinearBinIndex(v, b.lo, b.hi, b.num_bins)];
  *nan = c.back();
  c.pop_back();
  return c;
}

// Values on bucket centres, on the .5 ties between buckets and their float
// neighbours, for a power-of-two width (so ties are exact).
std::vector<float> TieData(float x0, float w, int nb) {
  std::vector<float> v;
  for (int k = -3; k <= nb + 3; ++k) {
    const float c = x0 + k * w;
    const float t = x0 + (k + 0.5f) * w;
    v.insert(v.end(),
             {c, t, nextafterf(t, -INFINITY), nextafterf(t, INFINITY)});
  }
  return v;
}

TEST(RoundedHistogramTest, EveryVariantMatchesReference) {
  const RoundedBuckets pymo =
      MakePymoBuckets(-12.526947021484375, 0.05016965791583061, 512);
  const RoundedBuckets pow2 = MakePymoBuckets(-3.0, 6.0 / 512, 512);
  const RoundedBuckets small{0.25f, -4.0f, 7};
  for (const RoundedBuckets& b : {pymo, pow2, small}) {
    for (int64_t n : {0, 1, 15, 16, 17, 255, 256, 257, 1000, 65537}) {
      std::vector<float> x = EdgeData(n, 3 + n, 6.0f);
      if (n == 1000) x = TieData(-3.0f, 6.0f / 512, 512);
      if (n == 255) x = TieData(1.0f, 0.25f, 7);
      uint64_t want_dropped;
      const std::vector<uint64_t> want = NaiveRounded(x, b, &want_dropped);
      for (const auto& v : AllVariants()) {
        SCOPED_TRACE(v.Name() + " n=" + std::to_string(n));
        VariantExec ve(v, 999);
        std::vector<uint64_t> got(b.num_buckets, 0);
        uint64_t dropped = 0;
        ASSERT_TRUE(
            HistogramRounded(x, b, absl::MakeSpan(got), &dropped, ve.exec)
                .ok());
        EXPECT_EQ(got, want);
        EXPECT_EQ(dropped, want_dropped);
      }
    }
  }
}

TEST(RoundedHistogramTest, TiesRoundAwayFromZeroAndSpecialsDrop) {
  // width 1, offset 0: bucket = roundf(x).
  const RoundedBuckets b{1.0f, 0.0f, 4};
  const std::vector<float> x = {0.5f,   1.5f, 2.5f,  -0.5f,    -0.0f,
                                3.49f,  3.5f, NAN,   INFINITY, -INFINITY,
                                1e-45f, 4e9f, -0.49f};
  for (const auto& v : AllVariants()) {
    VariantExec ve(v, 2);
    std::vector<uint64_t> got(4, 0);
    uint64_t dropped = 0;
    ASSERT_TRUE(
        HistogramRounded(x, b, absl::MakeSpan(got), &dropped, ve.exec).ok());
    // 0.5->1, 1.5->2, 2.5->3, -0.5->-1 (drop), -0->0, 3.49->3, 3.5->4 (drop),
    // NaN/inf/-inf/4e9 drop, denormal->0, -0.49->-0 = 0.
    EXPECT_EQ(got, (std::vector<uint64_t>{3, 1, 1, 2})) << v.Name();
    EXPECT_EQ(dropped, 6u) << v.Name();
  }
}

TEST(LinearHistogramTest, EveryVariantMatchesReference) {
  const LinearBins wide{-4.0f, 4.0f, 2048};
  const LinearBins odd{-1.3f, 2.9f, 7};
  const LinearBins tiny{1e-40f, 3e-40f, 5};  // denormal range
  for (const LinearBins& b : {wide, odd, tiny}) {
    for (int64_t n : {0, 1, 15, 16, 17, 1000, 65537}) {
      std::vector<float> x = EdgeData(n, 11 + n, 2.0f);
      if (n == 1000) {  // bin edges and their neighbours
        x.clear();
        const float w = (b.hi - b.lo) / b.num_bins;
        for (int k = -2; k <= b.num_bins + 2; ++k) {
          const float e = b.lo + k * w;
          x.insert(x.end(),
                   {e, nextafterf(e, -INFINITY), nextafterf(e, INFINITY)});
        }
        x.insert(x.end(), {b.lo, b.hi, NAN, INFINITY, -INFINITY});
      }
      uint64_t want_nan;
      const std::vector<uint64_t> want = NaiveLinear(x, b, &want_nan);
      for (const auto& v : AllVariants()) {
        SCOPED_TRACE(v.Name() + " n=" + std::to_string(n));
        VariantExec ve(v, 777);
        std::vector<uint64_t> got(b.num_bins, 0);
        uint64_t nan = 0;
        ASSERT_TRUE(
            HistogramLinear(x, b, absl::MakeSpan(got), &nan, ve.exec).ok());
        EXPECT_EQ(got, want);
        EXPECT_EQ(nan, want_nan);
      }
    }
  }
}

TEST(LinearHistogramTest, HistcRulesAndClipping) {
  const LinearBins b{0.0f, 4.0f, 4};
  const std::vector<float> x = {0.0f, 0.999f,    1.0f,     3.999f, 4.0f, -1.0f,
                                5.0f, -INFINITY, INFINITY, NAN,    -0.0f};
  for (const auto& v : AllVariants()) {
    VariantExec ve(v, 3);
    std::vector<uint64_t> got(4, 0);
    uint64_t nan = 0;
    ASSERT_TRUE(HistogramLinear(x, b, absl::MakeSpan(got), &nan, ve.exec).ok());
    // hi (4.0) falls in the last bin; below lo -> bin 0; above hi -> bin 3.
    EXPECT_EQ(got, (std::vector<uint64_t>{5, 1, 0, 4})) << v.Name();
    EXPECT_EQ(nan, 1u);
  }
}

TEST(HistogramTest, AccumulatesIntoCounts) {
  const LinearBins b{0.0f, 1.0f, 2};
  std::vector<uint64_t> c = {10, 20};
  const std::vector<float> x = {0.1f, 0.9f, 0.8f};
  ASSERT_TRUE(HistogramLinear(x, b, absl::MakeSpan(c), nullptr).ok());
  EXPECT_EQ(c, (std::vector<uint64_t>{11, 22}));
}

TEST(HistogramTest, RejectsBadInput) {
  const std::vector<float> x = {1.0f};
  std::vector<uint64_t> c(4, 0);
  const auto kBad = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(
      HistogramRounded(x, {1.0f, 0.0f, 0}, absl::MakeSpan(c), nullptr).code(),
      kBad);
  for (float w : {0.0f, -1.0f, NAN, INFINITY}) {
    EXPECT_EQ(
        HistogramRounded(x, {w, 0.0f, 4}, absl::MakeSpan(c), nullptr).code(),
        kBad)
        << w;
  }
  EXPECT_EQ(
      HistogramRounded(x, {1.0f, NAN, 4}, absl::MakeSpan(c), nullptr).code(),
      kBad);
  EXPECT_EQ(
      HistogramRounded(x, {1.0f, 0.0f, 5}, absl::MakeSpan(c), nullptr).code(),
      kBad);  // size mismatch
  EXPECT_TRUE(
      HistogramRounded(x, {1.0f, 0.0f, 4}, absl::MakeSpan(c), nullptr).ok());
  EXPECT_EQ(
      HistogramLinear(x, {0.0f, 1.0f, 0}, absl::MakeSpan(c), nullptr).code(),
      kBad);
  EXPECT_EQ(
      HistogramLinear(x, {1.0f, 1.0f, 4}, absl::MakeSpan(c), nullptr).code(),
      kBad);
  EXPECT_EQ(
      HistogramLinear(x, {NAN, 1.0f, 4}, absl::MakeSpan(c), nullptr).code(),
      kBad);
  EXPECT_EQ(
      HistogramLinear(x, {-3e38f, 3e38f, 4}, absl::MakeSpan(c), nullptr).code(),
      kBad);  // hi - lo overflows
  EXPECT_EQ(
      HistogramLinear(x, {0.0f, 1.0f, 3}, absl::MakeSpan(c), nullptr).code(),
      kBad);  // size mismatch
  StatsExec bad;
  bad.grain = 0;
  EXPECT_EQ(HistogramLinear(x, {0.0f, 1.0f, 4}, absl::MakeSpan(c), nullptr, bad)
                .code(),
            kBad);
}

}  // namespace
}  // namespace quantsim::kernels
