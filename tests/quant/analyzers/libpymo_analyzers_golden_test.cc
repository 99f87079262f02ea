// quant/analyzers against AIMET's own libpymo outputs
// (tests/data/libpymo_enc, copied from /work/shared/testdata/libpymo; see its
// README.md): every record of TF, TF_ENHANCED, PERCENTILE (100 / 99.99 /
// 99.9), MSE and ENTROPY at bitwidths 4, 8, 16 with every (symmetric,
// strict, unsigned symmetric) combination, on the normal, relu, negative,
// zeros and no-data sets fed batch by batch (one .npy row per batch), must
// give the record's (min, max, delta, offset) bit for bit.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/npy.h"
#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "quant/analyzers/entropy_analyzer.h"
#include "quant/analyzers/libpymo_analyzers.h"
#include "rapidjson/document.h"

namespace quantsim::quant {
namespace {

std::string DataPath(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir ? std::string(srcdir) + "/" +
                                  (workspace ? workspace : "quantsim") + "/"
                            : "";
  return base + "tests/data/libpymo_enc/" + name;
}

uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof(u));
  return u;
}

struct Record {
  std::string set, analyzer;
  float percentile = 100.0f;
  GridOptions options;
  double min = 0, max = 0, delta = 0, offset = 0;
  int bw = 0;
};

std::vector<Record> LoadRecords() {
  std::ifstream in(DataPath("encodings.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  // Full precision: the file prints 17 digits and we compare bits.
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(ss.str().c_str());
  std::vector<Record> out;
  if (doc.HasParseError() || !doc.IsObject()) return out;
  for (const rapidjson::Value& r : doc["results"].GetArray()) {
    Record rec;
    rec.set = r["set"].GetString();
    rec.analyzer = r["analyzer"].GetString();
    if (r["percentile"].IsNumber()) {
      rec.percentile = static_cast<float>(r["percentile"].GetDouble());
    }
    rec.options.bitwidth = r["bw"].GetInt();
    rec.options.symmetric = r["symmetric"].GetBool();
    rec.options.strict_symmetric = r["strict"].GetBool();
    rec.options.unsigned_symmetric = r["unsigned_symmetric"].GetBool();
    const rapidjson::Value& e = r["encoding"];
    rec.min = e["min"].GetDouble();
    rec.max = e["max"].GetDouble();
    rec.delta = e["delta"].GetDouble();
    rec.offset = e["offset"].GetDouble();
    rec.bw = e["bw"].GetInt();
    out.push_back(rec);
  }
  return out;
}

// Every analyzer of one input set, fed the same batches.
struct Analyzers {
  TfAnalyzer tf;
  TfEnhancedAnalyzer tfe;
  PercentileAnalyzer p100{100.0f};
  PercentileAnalyzer p9999{99.99f};
  PercentileAnalyzer p999{99.9f};
  MseAnalyzer mse;
  EntropyAnalyzer entropy;

  void Feed(const float* x, int64_t n, const kernels::StatsExec& exec) {
    ASSERT_TRUE(tf.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(tfe.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(p100.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(p9999.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(p999.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(mse.UpdateStats(x, n, exec).ok());
    ASSERT_TRUE(entropy.UpdateStats(x, n, exec).ok());
  }

  absl::StatusOr<Encoding> Compute(const Record& r,
                                   engine::ThreadPool* pool) const {
    if (r.analyzer == "TF") return tf.ComputeEncoding(r.options);
    if (r.analyzer == "TF_ENHANCED")
      return tfe.ComputeEncoding(r.options, pool);
    if (r.analyzer == "MSE") return mse.ComputeEncoding(r.options, pool);
    if (r.analyzer == "ENTROPY") return entropy.ComputeEncoding(r.options);
    if (r.analyzer.rfind("PERCENTILE", 0) == 0) {
      for (const PercentileAnalyzer* p : {&p100, &p9999, &p999}) {
        if (p->percentile() == r.percentile) {
          return p->ComputeEncoding(r.options);
        }
      }
    }
    return absl::NotFoundError("unknown analyzer " + r.analyzer);
  }
};

std::map<std::string, std::unique_ptr<Analyzers>> FeedAll(
    const kernels::StatsExec& exec) {
  std::map<std::string, std::unique_ptr<Analyzers>> out;
  const std::map<std::string, std::string> files = {
      {"normal", "input_normal.npy"},
      {"relu", "input_relu.npy"},
      {"negative", "input_negative.npy"},
      {"zeros", "input_zeros.npy"}};
  for (const auto& [set, file] : files) {
    absl::StatusOr<engine::Tensor> t = engine::ReadNpy(DataPath(file));
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok() || t->rank() != 2) continue;
    auto a = std::make_unique<Analyzers>();
    const float* data = t->data<float>();
    for (int64_t b = 0; b < t->dim(0); ++b) {
      a->Feed(data + b * t->dim(1), t->dim(1), exec);
    }
    out[set] = std::move(a);
  }
  out["no_data"] = std::make_unique<Analyzers>();
  return out;
}

std::string Describe(const Record& r) {
  std::ostringstream s;
  s << r.set << "/" << r.analyzer << " bw " << r.options.bitwidth << " sym "
    << r.options.symmetric << " strict " << r.options.strict_symmetric
    << " usym " << r.options.unsigned_symmetric;
  return s.str();
}

void CheckAll(const kernels::StatsExec& exec, engine::ThreadPool* pool) {
  const std::vector<Record> records = LoadRecords();
  ASSERT_EQ(records.size(), 840u);
  auto analyzers = FeedAll(exec);
  ASSERT_EQ(analyzers.size(), 5u);
  std::map<std::string, int> exact, total;
  for (const Record& r : records) {
    const std::string what = Describe(r);
    absl::StatusOr<Encoding> e = analyzers.at(r.set)->Compute(r, pool);
    ++total[r.analyzer];
    if (r.bw == 0) {
      // libpymo's all-zero "no encoding" record.
      EXPECT_EQ(r.set, "no_data") << what;
      EXPECT_TRUE(IsNoData(e.status())) << what << ": " << e.status();
      if (IsNoData(e.status())) ++exact[r.analyzer];
      continue;
    }
    ASSERT_TRUE(e.ok()) << what << ": " << e.status();
    EXPECT_EQ(e->bitwidth, r.bw) << what;
    const bool same = Bits(e->min) == Bits(r.min) &&
                      Bits(e->max) == Bits(r.max) &&
                      Bits(e->scale) == Bits(r.delta) && e->offset == r.offset;
    EXPECT_TRUE(same) << what << std::setprecision(17) << "\n got  min "
                      << e->min << " max " << e->max << " delta " << e->scale
                      << " offset " << e->offset << "\n want min " << r.min
                      << " max " << r.max << " delta " << r.delta << " offset "
                      << r.offset;
    if (same) ++exact[r.analyzer];
  }
  for (const auto& [name, n] : total) {
    EXPECT_EQ(exact[name], n)
        << name << ": " << exact[name] << " of " << n << " records exact";
  }
}

TEST(LibpymoAnalyzersGoldenTest, EveryRecordIsBitExactSerial) {
  CheckAll(kernels::StatsExec{}, nullptr);
}

// Threads (histogram chunks and candidate costs) change nothing.
TEST(LibpymoAnalyzersGoldenTest, EveryRecordIsBitExactTwoThreadsSmallGrain) {
  engine::ThreadPool pool(2);
  kernels::StatsExec exec;
  exec.pool = &pool;
  exec.grain = 1000;
  CheckAll(exec, &pool);
}

}  // namespace
}  // namespace quantsim::quant
