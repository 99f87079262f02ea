// PdfHistogram512 against AIMET libpymo golden data (bit-exact doubles).
#include "kernels/cpu/stats/pdf_histogram.h"

#include <math.h>
#include <rapidjson/document.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/stats/histogram.h"
#include "kernels/cpu/stats/stats_reference.h"
#include "tests/testing/golden.h"

namespace quantsim::kernels {
namespace {

constexpr char kDir[] = "tests/data/libpymo_hist/";

rapidjson::Document LoadJson() {
  rapidjson::Document d;
  EXPECT_TRUE(::quantsim::testing::ReadJsonFullPrecision(
      std::string(kDir) + "histograms.json", &d));
  return d;
}

float ProbeValue(const rapidjson::Value& v) {
  if (v.IsString()) return NAN;  // "NaN"
  return static_cast<float>(v.GetDouble());
}

struct Variant {
  engine::Isa isa;
  int threads;
};

std::vector<Variant> Variants() {
  std::vector<Variant> v;
  for (engine::Isa isa : engine::SupportedIsas()) {
    for (int t : {1, 2, 3}) v.push_back({isa, t});
  }
  return v;
}

TEST(PdfHistogram512Test, ReproducesLibpymoNormalSet) {
  ::quantsim::testing::F32Array in;
  ASSERT_TRUE(::quantsim::testing::ReadF32Npy(
      std::string(kDir) + "input_normal.npy", &in));
  ASSERT_EQ(in.shape.size(), 2u);
  const rapidjson::Document doc = LoadJson();
  ASSERT_FALSE(doc.HasParseError());
  const rapidjson::Value& g = doc["tf_enhanced_normal"];
  const rapidjson::Value& buckets = g["buckets"];
  ASSERT_EQ(buckets.Size(), 512u);
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(std::string(engine::IsaName(v.isa)) + " threads " +
                 std::to_string(v.threads));
    engine::ThreadPool pool(v.threads);
    StatsExec exec;
    exec.isa = v.isa;
    exec.pool = &pool;
    exec.grain = 1000;  // several chunks per 10000-value row
    PdfHistogram512 h;
    const int64_t cols = in.shape[1];
    for (int64_t r = 0; r < in.shape[0]; ++r) {
      ASSERT_TRUE(
          h.Update(absl::MakeConstSpan(in.data.data() + r * cols, cols), exec)
              .ok());
    }
    ASSERT_TRUE(h.initialized());
    EXPECT_EQ(h.iterations(), in.shape[0]);
    EXPECT_EQ(h.x_left()[0], g["xLeft0"].GetDouble());
    EXPECT_EQ(h.x_left()[1] - h.x_left()[0], g["bucket_width"].GetDouble());
    EXPECT_EQ(h.x_left()[511], g["xLeft_last"].GetDouble());
    int mismatches = 0;
    for (int i = 0; i < 512; ++i) {
      const double want_x = buckets[i][0].GetDouble();
      const double want_p = buckets[i][1].GetDouble();
      if (h.x_left()[i] != want_x || h.pdf()[i] != want_p) {
        if (++mismatches < 5) {
          ADD_FAILURE() << "bucket " << i << ": xLeft " << h.x_left()[i]
                        << " vs " << want_x << ", pdf " << h.pdf()[i] << " vs "
                        << want_p;
        }
      }
    }
    EXPECT_EQ(mismatches, 0);
  }
}

TEST(PdfHistogram512Test, ReproducesLibpymoBucketProbe) {
  const rapidjson::Document doc = LoadJson();
  const rapidjson::Value& p = doc["bucket_probe"];
  const rapidjson::Value& init = p["init_tensor"];
  std::vector<float> init_v;
  for (const auto& v : init.GetArray()) init_v.push_back(ProbeValue(v));
  std::vector<float> probes;
  for (const auto& v : p["probes"].GetArray()) probes.push_back(ProbeValue(v));
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(engine::IsaName(v.isa));
    engine::ThreadPool pool(v.threads);
    StatsExec exec{v.isa, &pool, 3};
    PdfHistogram512 h;
    ASSERT_TRUE(h.Update(init_v, exec).ok());
    for (const auto& e : p["after_init"].GetArray()) {
      const int b = e["bucket"].GetInt();
      EXPECT_EQ(h.x_left()[b], e["xLeft"].GetDouble());
      EXPECT_EQ(h.pdf()[b], e["pdf"].GetDouble());
    }
    ASSERT_TRUE(h.Update(probes, exec).ok());
    double sum = 0;
    int nonzero = 0;
    for (double q : h.pdf()) {
      sum += q;
      nonzero += q > 0;
    }
    EXPECT_EQ(sum, p["pdf_sum_after_probes"].GetDouble());
    EXPECT_EQ(nonzero, static_cast<int>(p["after_probes"].Size()));
    for (const auto& e : p["after_probes"].GetArray()) {
      const int b = e["bucket"].GetInt();
      EXPECT_EQ(h.x_left()[b], e["xLeft"].GetDouble()) << b;
      EXPECT_EQ(h.pdf()[b], e["pdf"].GetDouble()) << b;
    }
    // Single values: the bucket each lands in (-1 = dropped).
    const RoundedBuckets rb = h.buckets();
    for (const auto& e : p["single_probe_bucket"].GetArray()) {
      const float x = ProbeValue(e["probe"]);
      std::vector<uint64_t> counts(512, 0);
      uint64_t dropped = 0;
      ASSERT_TRUE(HistogramRounded(absl::MakeConstSpan(&x, 1), rb,
                                   absl::MakeSpan(counts), &dropped, exec)
                      .ok());
      const int want = e["bucket"].GetInt();
      const int ref =
          RoundedBucketIndex(x, rb.width, rb.offset, rb.num_buckets);
      EXPECT_EQ(ref == 512 ? -1 : ref, want) << "probe " << x;
      if (want < 0) {
        EXPECT_EQ(dropped, 1u) << "probe " << x;
      } else {
        EXPECT_EQ(counts[want], 1u) << "probe " << x;
      }
    }
  }
}

TEST(PdfHistogram512Test, SkipsZeroBatchesAndEmptyInput) {
  PdfHistogram512 h;
  std::vector<float> zeros(100, 0.0f);
  ASSERT_TRUE(h.Update(zeros).ok());
  ASSERT_TRUE(h.Update({}).ok());
  EXPECT_FALSE(h.initialized());
  EXPECT_EQ(h.iterations(), 0);
  std::vector<float> v = {1.0f, 1.0f};  // min == max -> max = min + 0.01
  ASSERT_TRUE(h.Update(v).ok());
  float lo, width;
  PdfHistogram512::InitialRange(1.0f, 1.0f, &lo, &width);
  EXPECT_EQ(h.x_left()[0], static_cast<double>(lo));
  EXPECT_EQ(static_cast<float>(h.x_left()[1] - h.x_left()[0]), width);
  // center 1.005, range x3 -> [0.99, 1.02]; the value sits mid-range.
  EXPECT_NEAR(lo, 0.99f, 1e-6f);
  EXPECT_EQ(h.iterations(), 1);
  // Zeros after initialisation are counted (they fall outside -> dropped).
  ASSERT_TRUE(h.Update(zeros).ok());
  EXPECT_EQ(h.iterations(), 2);
  double sum = 0;
  for (double q : h.pdf()) sum += q;
  EXPECT_EQ(sum, 0.5);
}

TEST(PdfHistogram512Test, InfiniteFirstBatchUsesFiniteRange) {
  PdfHistogram512 h;
  const std::vector<float> v = {-INFINITY, NAN, -1.0f, 1.0f, INFINITY};
  ASSERT_TRUE(h.Update(v).ok());
  ASSERT_TRUE(h.initialized());
  EXPECT_EQ(h.x_left()[0], -3.0);
  EXPECT_EQ(h.x_left()[1] - h.x_left()[0], 6.0 / 512);
  const std::vector<float> nan_only = {NAN, NAN};
  PdfHistogram512 h2;
  ASSERT_TRUE(h2.Update(nan_only).ok());
  EXPECT_FALSE(h2.initialized());
}

TEST(PdfHistogram512Test, RejectsBadExec) {
  PdfHistogram512 h;
  StatsExec exec;
  exec.grain = 0;
  const std::vector<float> v = {1.0f};
  EXPECT_EQ(h.Update(v, exec).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::kernels
