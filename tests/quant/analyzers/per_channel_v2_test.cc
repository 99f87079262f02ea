// quant/analyzers: per-channel analyzers (equal to one analyzer per channel
// fed that channel's elements, for any thread count) and the v2 min-max and
// percentile analyzers.
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "quant/analyzers/per_channel.h"
#include "quant/analyzers/v2_analyzers.h"
#include "quant/v2_encoding.h"

namespace quantsim::quant {
namespace {

std::vector<float> Pseudo(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(static_cast<int32_t>(seed)) / 1e9f;
  }
  return v;
}

// Channel c's elements of an [outer, axis, inner] tensor.
std::vector<float> Channel(const std::vector<float>& x,
                           const kernels::QdqLayout& l, int64_t c) {
  std::vector<float> out;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t i = 0; i < l.inner; ++i) {
      out.push_back(x[(o * l.axis + c) * l.inner + i]);
    }
  }
  return out;
}

void ExpectSame(const Encoding& a, const Encoding& b) {
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.offset, b.offset);
}

template <typename A>
void CheckPerChannel(const A& proto) {
  kernels::QdqLayout l;
  l.outer = 3;
  l.axis = 5;
  l.inner = 700;
  const std::vector<float> x = Pseudo(l.NumElements(), 7);
  GridOptions o;
  o.bitwidth = 8;
  for (int threads : {1, 2}) {
    engine::ThreadPool pool(threads);
    kernels::StatsExec exec;
    exec.pool = &pool;
    PerChannelAnalyzer<A> pc(l.axis, proto);
    ASSERT_TRUE(pc.UpdateStats(x, l, exec).ok());
    ASSERT_TRUE(pc.UpdateStats(x, l, exec).ok());  // resumable
    absl::StatusOr<PerChannelEncoding> got = pc.ComputeEncoding(o, &pool);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), 5u);
    for (int64_t c = 0; c < l.axis; ++c) {
      A one = proto;
      const std::vector<float> ch = Channel(x, l, c);
      ASSERT_TRUE(one.UpdateStats(ch.data(), ch.size()).ok());
      ASSERT_TRUE(one.UpdateStats(ch.data(), ch.size()).ok());
      ExpectSame((*got)[c], *one.ComputeEncoding(o));
    }
  }
}

TEST(PerChannelAnalyzerTest, EqualsOneAnalyzerPerChannel) {
  CheckPerChannel(TfAnalyzer());
  CheckPerChannel(TfEnhancedAnalyzer());
  CheckPerChannel(PercentileAnalyzer(99.9f));
  CheckPerChannel(V2MinMaxAnalyzer());
  CheckPerChannel(V2PercentileAnalyzer(99.0f));
}

TEST(PerChannelAnalyzerTest, BadLayoutsAndNoData) {
  PerChannelAnalyzer<TfEnhancedAnalyzer> pc(4);
  std::vector<float> x(40, 1.0f);
  kernels::QdqLayout l;
  l.outer = 2;
  l.axis = 4;
  l.inner = 5;
  kernels::QdqLayout wrong = l;
  wrong.axis = 3;
  EXPECT_EQ(pc.UpdateStats(x, wrong).code(),
            absl::StatusCode::kInvalidArgument);
  wrong = l;
  wrong.block = 2;
  EXPECT_EQ(pc.UpdateStats(x, wrong).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pc.UpdateStats(absl::MakeConstSpan(x.data(), 39), l).code(),
            absl::StatusCode::kInvalidArgument);
  GridOptions o;
  EXPECT_TRUE(IsNoData(pc.ComputeEncoding(o).status()));
  ASSERT_TRUE(pc.UpdateStats(x, l).ok());
  EXPECT_TRUE(pc.ComputeEncoding(o).ok());
}

TEST(V2MinMaxAnalyzerTest, RunningMinMaxThroughV2Rules) {
  V2MinMaxAnalyzer a;
  GridOptions o;
  EXPECT_TRUE(IsNoData(a.ComputeEncoding(o).status()));
  const std::vector<float> x = {-1.5f, 0.25f, NAN, 3.0f};
  ASSERT_TRUE(a.UpdateStats(x.data(), 2).ok());
  ASSERT_TRUE(a.UpdateStats(x.data() + 2, 2).ok());
  EXPECT_EQ(a.min(), -1.5f);
  EXPECT_EQ(a.max(), 3.0f);
  for (bool sym : {false, true}) {
    o.symmetric = sym;
    ExpectSame(*a.ComputeEncoding(o),
               *ComputeV2MinMaxEncoding(-1.5f, 3.0f, 8, sym));
  }
  EXPECT_EQ(a.UpdateStats(nullptr, 3).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(V2PercentileAnalyzerTest, PercentileEdges) {
  // 0..999: 2048 bins over [0, 999].
  std::vector<float> x(1000);
  for (int i = 0; i < 1000; ++i) x[i] = static_cast<float>(i);
  V2PercentileAnalyzer full(100.0f), p90(90.0f);
  ASSERT_TRUE(full.UpdateStats(x.data(), x.size()).ok());
  ASSERT_TRUE(p90.UpdateStats(x.data(), x.size()).ok());
  const std::vector<float> edges = full.histogram().BinEdges();
  EXPECT_EQ(full.PercentileRange().min, edges.front());
  EXPECT_EQ(full.PercentileRange().max, edges.back());
  // 10% of the mass on each side is clipped: min / max are the left edges
  // of the bins where the running count first reaches the float32 targets
  // 1000 * (1 - 0.9f) = 100.000024 (so 101) and 1000 * 0.9f = 900.
  const std::vector<uint64_t>& counts = p90.histogram().counts();
  uint64_t cum = 0;
  int64_t i_min = -1, i_max = -1;
  for (size_t i = 0; i < counts.size(); ++i) {
    cum += counts[i];
    if (i_min < 0 && cum >= 101) i_min = i;
    if (i_max < 0 && cum >= 900) i_max = i;
  }
  EXPECT_EQ(p90.PercentileRange().min, edges[i_min]);
  EXPECT_EQ(p90.PercentileRange().max, edges[i_max]);
  EXPECT_NEAR(p90.PercentileRange().min, 100.0f, 2.0f);
  EXPECT_NEAR(p90.PercentileRange().max, 900.0f, 2.0f);
  GridOptions o;
  ExpectSame(*p90.ComputeEncoding(o),
             *ComputeV2MinMaxEncoding(p90.PercentileRange().min,
                                      p90.PercentileRange().max, 8, false));
  V2PercentileAnalyzer bad(40.0f);
  ASSERT_TRUE(bad.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(bad.ComputeEncoding(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  V2PercentileAnalyzer none;
  EXPECT_TRUE(IsNoData(none.ComputeEncoding(o).status()));
}

}  // namespace
}  // namespace quantsim::quant
