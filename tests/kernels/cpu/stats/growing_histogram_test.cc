// GrowingHistogram (AIMET v2 style): hand-computed re-binning, first-batch
// rules, every Isa / thread count equal, per-channel, bad input.
#include "kernels/cpu/stats/growing_histogram.h"

#include <math.h>

#include <vector>

#include "gtest/gtest.h"
#include "tests/kernels/cpu/stats/test_util.h"

namespace quantsim::kernels {
namespace {

using testing::AllVariants;
using testing::EdgeData;
using testing::VariantExec;
using Counts = std::vector<uint64_t>;

TEST(RebinHistogramTest, WholeBinsFold) {
  // [0, 4] -> [0, 8], 4 bins: old width 1, new width 2; bins pair up.
  Counts out(4);
  RebinHistogram(Counts{1, 2, 3, 4}, 0.0f, 4.0f, 0.0f, 8.0f,
                 absl::MakeSpan(out));
  EXPECT_EQ(out, (Counts{3, 7, 0, 0}));
}

TEST(RebinHistogramTest, SplitsWithHalfToEvenAndRemainderRule) {
  // [0, 4] -> [-1, 5]: new width 1.5, new edges -1, 0.5, 2, 3.5, 5.
  //  bin 0 [0,1), c=1: d=0, e=0.5, (0.5/1)*1 = 0.5 -> rne 0; the remainder 1
  //      goes to the bin holding s + w_new = 1.5 -> bin 1.
  //  bin 1 [1,2), c=2: d=1, e=2, 1*2 = 2 -> all 2 to bin 1.
  //  bin 2 [2,3), c=3: d=2, e=3.5, 1.5*3 = 4.5 -> 4, capped at 3 -> bin 2.
  //  bin 3 [3,4), c=4: d=2, e=3.5, 0.5*4 = 2 -> 2 to bin 2, the other 2 to
  //      the bin holding 4.5 -> bin 3.
  Counts out(4);
  RebinHistogram(Counts{1, 2, 3, 4}, 0.0f, 4.0f, -1.0f, 5.0f,
                 absl::MakeSpan(out));
  EXPECT_EQ(out, (Counts{0, 3, 5, 2}));
}

TEST(GrowingHistogramTest, HandComputedTwoBatches) {
  for (const auto& v : AllVariants()) {
    SCOPED_TRACE(v.Name());
    VariantExec ve(v, 2);
    GrowingHistogram h(4);
    // Range [0, 4], edges 0,1,2,3,4; 4 (= hi) lands in the last bin.
    ASSERT_TRUE(h.Update(std::vector<float>{0, 1, 2, 3, 4}, ve.exec).ok());
    EXPECT_EQ(h.counts(), (Counts{1, 1, 1, 2}));
    EXPECT_EQ(h.min(), 0.0f);
    EXPECT_EQ(h.max(), 4.0f);
    // Batch 2 grows the finite range to [-1, 5]. Re-binning [1,1,1,2]:
    // bin0 -> 0 + remainder 1 to bin1; bin1 -> 1 to bin1; bin2: 1.5*1 ->
    // rne 2, capped 1 -> bin2; bin3: 0.5*2 = 1 -> bin2, 1 -> bin3.
    // = [0,2,2,1]. Batch 2 over [-1,5]: -1 -> 0, 5 -> 3, +inf -> 3, NaN
    // dropped: [1,0,0,2].
    ASSERT_TRUE(
        h.Update(std::vector<float>{-1, 5, NAN, INFINITY}, ve.exec).ok());
    EXPECT_EQ(h.counts(), (Counts{1, 2, 2, 3}));
    EXPECT_EQ(h.num_nan(), 1u);
    EXPECT_EQ(h.min(), -1.0f);
    EXPECT_EQ(h.max(), 5.0f);
    EXPECT_EQ(h.BinEdges(), (std::vector<float>{-1, 0.5f, 2, 3.5f, 5}));
    // A batch inside the range: no re-binning, just added.
    ASSERT_TRUE(h.Update(std::vector<float>{0.5f, 0.49f}, ve.exec).ok());
    EXPECT_EQ(h.counts(), (Counts{2, 3, 2, 3}));
  }
}

TEST(GrowingHistogramTest, FirstBatchRules) {
  GrowingHistogram c(4);
  ASSERT_TRUE(c.Update(std::vector<float>{2, 2, 2}).ok());
  // min == max: edges 1.5 .. 2.5, the value sits in bin 2.
  EXPECT_EQ(c.counts(), (Counts{0, 0, 3, 0}));
  EXPECT_EQ(c.BinEdges().front(), 1.5f);
  EXPECT_EQ(c.BinEdges().back(), 2.5f);
  // Growing from a degenerate range re-bins from the +-0.5 edges.
  ASSERT_TRUE(c.Update(std::vector<float>{3.5f}).ok());
  EXPECT_EQ(c.min(), 2.0f);
  EXPECT_EQ(c.max(), 3.5f);
  uint64_t total = 0;
  for (uint64_t k : c.counts()) total += k;
  EXPECT_EQ(total, 4u);

  GrowingHistogram inf(4);
  ASSERT_TRUE(
      inf.Update(std::vector<float>{-INFINITY, 0, 1, INFINITY, NAN}).ok());
  EXPECT_EQ(inf.min(), 0.0f);
  EXPECT_EQ(inf.max(), 1.0f);
  EXPECT_EQ(inf.counts(), (Counts{2, 0, 0, 2}));
  EXPECT_EQ(inf.num_nan(), 1u);
}

TEST(GrowingHistogramTest, EveryVariantMatchesScalar) {
  std::vector<std::vector<float>> batches;
  for (int b = 0; b < 4; ++b) {
    batches.push_back(EdgeData(20000 + 77 * b, 100 + b, 1.0f + b, false));
    batches.back()[b * 5] = NAN;
    batches.back()[b * 7 + 1] = b % 2 ? INFINITY : -INFINITY;
  }
  GrowingHistogram want;
  for (const auto& x : batches) {
    ASSERT_TRUE(want.Update(x, testing::ScalarSerial()).ok());
  }
  uint64_t total = want.num_nan();
  for (uint64_t k : want.counts()) total += k;
  EXPECT_EQ(total, 4 * 20000 + 77 * 6u);
  for (const auto& v : AllVariants()) {
    SCOPED_TRACE(v.Name());
    VariantExec ve(v, 1500);
    GrowingHistogram got;
    for (const auto& x : batches) ASSERT_TRUE(got.Update(x, ve.exec).ok());
    EXPECT_EQ(got.counts(), want.counts());
    EXPECT_EQ(got.num_nan(), want.num_nan());
    EXPECT_EQ(got.min(), want.min());
    EXPECT_EQ(got.max(), want.max());
  }
}

TEST(GrowingHistogramTest, PerChannelMatchesSeparateHistograms) {
  QdqLayout l;
  l.outer = 3;
  l.axis = 5;
  l.inner = 70;
  std::vector<std::vector<float>> batches = {
      EdgeData(l.NumElements(), 1, 1.0f, false),
      EdgeData(l.NumElements(), 2, 3.0f, false)};
  std::vector<GrowingHistogram> want(l.axis, GrowingHistogram(64));
  for (const auto& x : batches) {
    for (int64_t a = 0; a < l.axis; ++a) {
      std::vector<float> ch;
      for (int64_t o = 0; o < l.outer; ++o) {
        const float* run = x.data() + (o * l.axis + a) * l.inner;
        ch.insert(ch.end(), run, run + l.inner);
      }
      ASSERT_TRUE(want[a].Update(ch, testing::ScalarSerial()).ok());
    }
  }
  for (const auto& v : AllVariants()) {
    SCOPED_TRACE(v.Name());
    VariantExec ve(v, 16);
    std::vector<GrowingHistogram> got(l.axis, GrowingHistogram(64));
    for (const auto& x : batches) {
      ASSERT_TRUE(UpdatePerChannel(x, l, absl::MakeSpan(got), ve.exec).ok());
    }
    for (int64_t a = 0; a < l.axis; ++a) {
      EXPECT_EQ(got[a].counts(), want[a].counts()) << a;
      EXPECT_EQ(got[a].min(), want[a].min()) << a;
      EXPECT_EQ(got[a].max(), want[a].max()) << a;
    }
  }
}

TEST(GrowingHistogramTest, RejectsBadInput) {
  const auto kBad = absl::StatusCode::kInvalidArgument;
  GrowingHistogram zero_bins(0);
  EXPECT_EQ(zero_bins.Update(std::vector<float>{1.0f}).code(), kBad);
  GrowingHistogram h(8);
  EXPECT_TRUE(h.Update({}).ok());  // empty: no-op
  EXPECT_FALSE(h.initialized());
  EXPECT_EQ(h.Update(std::vector<float>{NAN, INFINITY}).code(), kBad);
  EXPECT_EQ(h.Update(std::vector<float>{-3e38f, 3e38f}).code(), kBad);
  EXPECT_FALSE(h.initialized());  // a rejected batch leaves no state
  QdqLayout l;
  l.outer = 2;
  l.axis = 3;
  l.inner = 4;
  std::vector<GrowingHistogram> hists(3, GrowingHistogram(8));
  std::vector<float> x(23, 1.0f);
  EXPECT_EQ(UpdatePerChannel(x, l, absl::MakeSpan(hists)).code(), kBad);
  x.resize(24);
  std::vector<GrowingHistogram> two(2, GrowingHistogram(8));
  EXPECT_EQ(UpdatePerChannel(x, l, absl::MakeSpan(two)).code(), kBad);
  EXPECT_TRUE(UpdatePerChannel(x, l, absl::MakeSpan(hists)).ok());
}

}  // namespace
}  // namespace quantsim::kernels
