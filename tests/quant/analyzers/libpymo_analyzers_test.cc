// quant/analyzers libpymo analyzers on synthetic data: spec §2.2 behaviours
// (zero batches, dropped outliers, constant and non-finite input), the
// candidate lists, resuming calibration and argument errors.
#include "quant/analyzers/libpymo_analyzers.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "quant/analyzers/entropy_analyzer.h"
#include "quant/analyzers/tfe_search.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::quant {
namespace {

std::vector<float> Ramp(int n, float lo, float hi) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = lo + (hi - lo) * i / (n - 1);
  return v;
}

GridOptions Opt(int bw, bool sym = false) {
  GridOptions o;
  o.bitwidth = bw;
  o.symmetric = sym;
  return o;
}

void ExpectSameEncoding(const Encoding& a, const Encoding& b) {
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.bitwidth, b.bitwidth);
}

TEST(TfeSearchTest, SymmetricFactorsAccumulateInFloat) {
  const std::vector<TfeCandidate> c =
      TfeSymmetricCandidates(-1.0f, 1.0f, 255.0f, false);
  ASSERT_EQ(c.size(), 101u);  // a double loop would give 100
  const float delta_max = 2.0f / 255.0f;
  EXPECT_EQ(c.front().delta, 0.01f * delta_max);
  EXPECT_EQ(c.back().delta, 1.0099994f * delta_max);
  EXPECT_EQ(c.back().offset, -128);
  // Strict: N = 254, offset floor(-127) = -127.
  EXPECT_EQ(TfeSymmetricCandidates(-1.0f, 1.0f, 254.0f, false)[0].offset, -127);
  // Unsigned symmetric with min == 0: offset 0, delta max / N.
  const std::vector<TfeCandidate> u =
      TfeSymmetricCandidates(0.0f, 2.0f, 255.0f, true);
  EXPECT_EQ(u[0].offset, 0);
  EXPECT_EQ(u[0].delta, 0.01f * (2.0f / 255.0f));
}

TEST(TfeSearchTest, AsymmetricCandidatesEndWithTheObservedOne) {
  const std::vector<TfeCandidate> c =
      TfeAsymmetricCandidates(-1.0f, 3.0f, 255.0f);
  ASSERT_GE(c.size(), 2u);
  EXPECT_LE(c.size(), 17u * 21u + 1u);
  const float observed = static_cast<float>((3.0 - -1.0) / 255.0);
  EXPECT_EQ(c.back().delta, observed);
  EXPECT_EQ(c.back().offset, static_cast<int>(std::round(-1.0f / observed)));
  for (const TfeCandidate& x : c) {
    EXPECT_GT(x.delta, 0.0f);
    EXPECT_LE(x.offset, 0);
    EXPECT_GE(x.offset, -255);
  }
}

TEST(TfEnhancedAnalyzerTest, ZeroBatchesBeforeTheFirstNonZeroOneAreSkipped) {
  const std::vector<float> zeros(1000, 0.0f), data = Ramp(1000, -2.0f, 3.0f);
  TfEnhancedAnalyzer a, b;
  ASSERT_TRUE(a.UpdateStats(zeros.data(), zeros.size()).ok());
  ASSERT_TRUE(a.UpdateStats(zeros.data(), zeros.size()).ok());
  ASSERT_TRUE(a.UpdateStats(data.data(), data.size()).ok());
  ASSERT_TRUE(b.UpdateStats(data.data(), data.size()).ok());
  EXPECT_EQ(a.pdf().iterations(), 1);
  EXPECT_EQ(a.pdf().pdf(), b.pdf().pdf());
  ExpectSameEncoding(*a.ComputeEncoding(Opt(8)), *b.ComputeEncoding(Opt(8)));
  // A zero batch after initialisation counts (all in the bucket of 0).
  ASSERT_TRUE(a.UpdateStats(zeros.data(), zeros.size()).ok());
  EXPECT_EQ(a.pdf().iterations(), 2);
}

TEST(TfEnhancedAnalyzerTest, LaterOutOfRangeValuesAreDroppedButCounted) {
  TfEnhancedAnalyzer a;
  const std::vector<float> data = Ramp(1000, -1.0f, 1.0f);
  ASSERT_TRUE(a.UpdateStats(data.data(), data.size()).ok());
  std::vector<float> second = data;
  for (int i = 0; i < 500; ++i) second[i] = 1000.0f;  // far outside ×3
  second[500] = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(a.UpdateStats(second.data(), second.size()).ok());
  double sum = 0;
  for (double p : a.pdf().pdf()) sum += p;
  // (1 + 499/1000) / 2: 501 of the second batch's values were dropped.
  EXPECT_NEAR(sum, 0.7495, 1e-12);
  // The range still comes from the first batch: max stays near 1.
  absl::StatusOr<Encoding> e = a.ComputeEncoding(Opt(8));
  ASSERT_TRUE(e.ok());
  EXPECT_LT(e->max, 1.1);
}

TEST(LibpymoAnalyzersTest, ConstantInput) {
  const std::vector<float> c(100, 2.0f);
  TfAnalyzer tf;
  ASSERT_TRUE(tf.UpdateStats(c.data(), c.size()).ok());
  ExpectSameEncoding(*tf.ComputeEncoding(Opt(8)),
                     *ComputeTfEncoding(2.0, 2.0, Opt(8)));
  TfEnhancedAnalyzer tfe;
  ASSERT_TRUE(tfe.UpdateStats(c.data(), c.size()).ok());
  absl::StatusOr<Encoding> e = tfe.ComputeEncoding(Opt(8));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_LE(e->min, 0.0);
  EXPECT_GE(e->max, 2.0 - e->scale);  // 2.0 is representable within a step
  for (bool sym : {false, true}) {
    PercentileAnalyzer p(99.9f);
    MseAnalyzer m;
    EntropyAnalyzer h;
    ASSERT_TRUE(p.UpdateStats(c.data(), c.size()).ok());
    ASSERT_TRUE(m.UpdateStats(c.data(), c.size()).ok());
    ASSERT_TRUE(h.UpdateStats(c.data(), c.size()).ok());
    EXPECT_TRUE(p.ComputeEncoding(Opt(8, sym)).ok());
    EXPECT_TRUE(m.ComputeEncoding(Opt(8, sym)).ok());
    EXPECT_TRUE(h.ComputeEncoding(Opt(8, sym)).ok());
  }
}

TEST(LibpymoAnalyzersTest, NanAndInfinity) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = Ramp(1000, -1.0f, 2.0f);
  x[3] = nan;
  TfAnalyzer tf;
  ASSERT_TRUE(tf.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(tf.min(), -1.0);  // NaN ignored
  EXPECT_EQ(tf.max(), 2.0);
  x[4] = inf;
  ASSERT_TRUE(tf.UpdateStats(x.data(), x.size()).ok());
  absl::StatusOr<Encoding> e = tf.ComputeEncoding(Opt(8));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->max, static_cast<double>(FLT_MAX));  // +inf -> FLT_MAX
  // The PDF takes its range from the finite values, drops NaN / inf.
  TfEnhancedAnalyzer tfe;
  ASSERT_TRUE(tfe.UpdateStats(x.data(), x.size()).ok());
  absl::StatusOr<Encoding> t = tfe.ComputeEncoding(Opt(8));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(std::isfinite(t->max));
  EXPECT_LT(t->max, 3.0);
  EntropyAnalyzer h;
  ASSERT_TRUE(h.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(h.max(), 2.0);
  EXPECT_TRUE(h.ComputeEncoding(Opt(8)).ok());
}

TEST(LibpymoAnalyzersTest, ResumingCalibration) {
  const std::vector<float> x = Ramp(2000, -3.0f, 5.0f);
  // TF: two halves equal one call.
  TfAnalyzer one, halves;
  ASSERT_TRUE(one.UpdateStats(x.data(), x.size()).ok());
  ASSERT_TRUE(halves.UpdateStats(x.data(), 1000).ok());
  ASSERT_TRUE(halves.ComputeEncoding(Opt(8)).ok());  // mid-way, no effect
  ASSERT_TRUE(halves.UpdateStats(x.data() + 1000, 1000).ok());
  ExpectSameEncoding(*one.ComputeEncoding(Opt(8)),
                     *halves.ComputeEncoding(Opt(8)));
  // TF-enhanced: the statistics are a per-batch mean over a range fixed by
  // the first batch, so two halves are NOT one call (documented); but
  // computing an encoding in between does not disturb the statistics.
  TfEnhancedAnalyzer a, b, c;
  ASSERT_TRUE(a.UpdateStats(x.data(), 1000).ok());
  ASSERT_TRUE(a.UpdateStats(x.data() + 1000, 1000).ok());
  ASSERT_TRUE(b.UpdateStats(x.data(), 1000).ok());
  ASSERT_TRUE(b.ComputeEncoding(Opt(8)).ok());
  ASSERT_TRUE(b.UpdateStats(x.data() + 1000, 1000).ok());
  ASSERT_TRUE(c.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(a.pdf().pdf(), b.pdf().pdf());
  ExpectSameEncoding(*a.ComputeEncoding(Opt(8)), *b.ComputeEncoding(Opt(8)));
  EXPECT_NE(a.pdf().x_left(), c.pdf().x_left());
}

TEST(LibpymoAnalyzersTest, NoDataAndReset) {
  TfEnhancedAnalyzer tfe;
  PercentileAnalyzer p;
  MseAnalyzer m;
  EntropyAnalyzer h;
  TfAnalyzer tf;
  EXPECT_TRUE(IsNoData(tfe.ComputeEncoding(Opt(8)).status()));
  EXPECT_TRUE(IsNoData(p.ComputeEncoding(Opt(8)).status()));
  EXPECT_TRUE(IsNoData(m.ComputeEncoding(Opt(8)).status()));
  EXPECT_TRUE(IsNoData(h.ComputeEncoding(Opt(8)).status()));
  EXPECT_FALSE(tf.has_data());
  EXPECT_TRUE(tf.ComputeEncoding(Opt(8)).ok());  // libpymo's [0, 0.01]
  const std::vector<float> x = Ramp(100, -1.0f, 1.0f);
  ASSERT_TRUE(tfe.UpdateStats(x.data(), x.size()).ok());
  ASSERT_TRUE(tfe.ComputeEncoding(Opt(8)).ok());
  tfe.Reset();
  EXPECT_TRUE(IsNoData(tfe.ComputeEncoding(Opt(8)).status()));
  // Empty batches are no-ops.
  ASSERT_TRUE(tfe.UpdateStats(x.data(), 0).ok());
  EXPECT_TRUE(IsNoData(tfe.ComputeEncoding(Opt(8)).status()));
}

TEST(LibpymoAnalyzersTest, BadInputIsInvalidArgument) {
  const std::vector<float> x = Ramp(100, -1.0f, 1.0f);
  TfAnalyzer tf;
  TfEnhancedAnalyzer tfe;
  EntropyAnalyzer h;
  kernels::StatsExec bad;
  bad.grain = 0;
  for (absl::Status s :
       {tf.UpdateStats(x.data(), -1), tf.UpdateStats(nullptr, 5),
        tf.UpdateStats(x.data(), x.size(), bad), tfe.UpdateStats(nullptr, 5),
        tfe.UpdateStats(x.data(), x.size(), bad), h.UpdateStats(nullptr, 5),
        h.UpdateStats(x.data(), -3)}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  }
  ASSERT_TRUE(tfe.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(tfe.ComputeEncoding(Opt(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tf.ComputeEncoding(Opt(33)).status().code(),
            absl::StatusCode::kInvalidArgument);
  PercentileAnalyzer p(0.0f);
  ASSERT_TRUE(p.UpdateStats(x.data(), x.size()).ok());
  EXPECT_EQ(p.ComputeEncoding(Opt(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  p.set_percentile(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(p.ComputeEncoding(Opt(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LibpymoAnalyzersTest, ThreadsDoNotChangeTheSearch) {
  std::vector<float> x(50000);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(static_cast<int32_t>(s)) / 2e9f;
    v = v * v * v * 4.0f;  // heavy-ish tails
  }
  engine::ThreadPool pool(2);
  for (bool sym : {false, true}) {
    TfEnhancedAnalyzer tfe;
    MseAnalyzer mse;
    ASSERT_TRUE(tfe.UpdateStats(x.data(), x.size()).ok());
    ASSERT_TRUE(mse.UpdateStats(x.data(), x.size()).ok());
    ExpectSameEncoding(*tfe.ComputeEncoding(Opt(8, sym), nullptr),
                       *tfe.ComputeEncoding(Opt(8, sym), &pool));
    ExpectSameEncoding(*mse.ComputeEncoding(Opt(8, sym), nullptr),
                       *mse.ComputeEncoding(Opt(8, sym), &pool));
  }
}

}  // namespace
}  // namespace quantsim::quant
