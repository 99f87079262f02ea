// quant encodings against AIMET's own libpymo outputs
// (tests/data/libpymo_enc, copied from /work/shared/testdata/libpymo; see its
// README.md): the TF analyzer path, the getComputedEncodings derivation of
// every analyzer's record, and the kernel-level parameters of the QDQ cases.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/encoding.h"
#include "quant/libpymo_encoding.h"
#include "rapidjson/document.h"
#include "tests/quant/golden_util.h"
#include "tests/testing/golden.h"

namespace quantsim::quant {
namespace {

double F32(double d) { return static_cast<double>(static_cast<float>(d)); }

struct Record {
  std::string set, analyzer;
  GridOptions options;
  Encoding encoding;  // symmetric flags copied from the options
  int encoding_bw = 0;
};

Encoding ReadEncoding(const rapidjson::Value& v) {
  Encoding e;
  e.min = v["min"].GetDouble();
  e.max = v["max"].GetDouble();
  e.scale = v["delta"].GetDouble();
  e.offset = v["offset"].GetDouble();
  e.bitwidth = v["bw"].GetInt();
  return e;
}

std::vector<Record> LoadRecords() {
  rapidjson::Document doc;
  EXPECT_TRUE(LoadJson("encodings.json", &doc));
  std::vector<Record> out;
  if (!doc.IsObject()) return out;
  for (const rapidjson::Value& r : doc["results"].GetArray()) {
    Record rec;
    rec.set = r["set"].GetString();
    rec.analyzer = r["analyzer"].GetString();
    rec.options.bitwidth = r["bw"].GetInt();
    rec.options.symmetric = r["symmetric"].GetBool();
    rec.options.strict_symmetric = r["strict"].GetBool();
    rec.options.unsigned_symmetric = r["unsigned_symmetric"].GetBool();
    rec.encoding = ReadEncoding(r["encoding"]);
    rec.encoding_bw = rec.encoding.bitwidth;
    out.push_back(rec);
  }
  return out;
}

// libpymo TfEncodingAnalyzer statistics: per batch (one .npy row) the float
// min/max, folded into a running double min/max starting at the analyzer's
// initial (DBL_MAX, -DBL_MAX).
std::map<std::string, Range> ObservedRanges() {
  std::map<std::string, Range> out;
  const std::map<std::string, std::string> files = {
      {"normal", "input_normal.npy"},
      {"relu", "input_relu.npy"},
      {"negative", "input_negative.npy"},
      {"zeros", "input_zeros.npy"}};
  for (const auto& [set, file] : files) {
    const ::quantsim::testing::F32Array a = LoadNpy(file);
    if (a.shape.size() != 2) continue;
    Range r{kNoDataMin, kNoDataMax};
    for (int64_t b = 0; b < a.shape[0]; ++b) {
      const float* row = a.data.data() + b * a.shape[1];
      float mn = row[0], mx = row[0];
      for (int64_t i = 1; i < a.shape[1]; ++i) {
        mn = std::min(mn, row[i]);
        mx = std::max(mx, row[i]);
      }
      r.min = std::min(r.min, static_cast<double>(mn));
      r.max = std::max(r.max, static_cast<double>(mx));
    }
    out[set] = r;
  }
  out["no_data"] = Range{kNoDataMin, kNoDataMax};
  return out;
}

std::string Describe(const Record& r) {
  std::ostringstream s;
  s << r.set << "/" << r.analyzer << " bw " << r.options.bitwidth << " sym "
    << r.options.symmetric << " strict " << r.options.strict_symmetric
    << " usym " << r.options.unsigned_symmetric;
  return s.str();
}

void ExpectSameBits(const Encoding& got, const Encoding& want,
                    const std::string& what) {
  EXPECT_EQ(Bits(got.min), Bits(want.min))
      << what << " min " << got.min << " vs " << want.min;
  EXPECT_EQ(Bits(got.max), Bits(want.max))
      << what << " max " << got.max << " vs " << want.max;
  EXPECT_EQ(Bits(got.scale), Bits(want.scale))
      << what << " delta " << got.scale << " vs " << want.scale;
  EXPECT_EQ(got.offset, want.offset) << what << " offset";
}

// Every TF record: the observed min/max of its input set through our TF
// analyzer path reproduces the record bit for bit.
TEST(LibpymoGoldenTest, TfAnalyzerPathIsBitExact) {
  const std::vector<Record> records = LoadRecords();
  const std::map<std::string, Range> observed = ObservedRanges();
  ASSERT_EQ(records.size(), 840u);
  ASSERT_EQ(observed.size(), 5u);
  int checked = 0;
  for (const Record& r : records) {
    if (r.analyzer != "TF") continue;
    const Range o = observed.at(r.set);
    absl::StatusOr<Encoding> e = ComputeTfEncoding(o.min, o.max, r.options);
    ASSERT_TRUE(e.ok()) << Describe(r) << ": " << e.status();
    EXPECT_EQ(r.encoding_bw, r.options.bitwidth);
    ExpectSameBits(*e, r.encoding, Describe(r));
    ++checked;
  }
  EXPECT_EQ(checked, 5 * 24);
}

// Every record of every analyzer: its (min, max) re-derived through
// getComputedEncodings reproduces its delta/offset. How the record's range
// is fed back:
//  * asymmetric grids (incl. unsigned symmetric with min >= 0): (min, max)
//    as is. The shifted range is a fixed point: same delta, offset, min, max.
//  * signed symmetric grids: (-max, max). The stored min is -ceil(N/2)Δ, one
//    step wider than max for non-strict grids, so feeding it back would give
//    a larger Δ; the stored max is floor(N/2)Δ.
// Exceptions that cannot be exact, each still checked exactly on what it
// does determine:
//  * no_data for the histogram analyzers (TF_ENHANCED, PERCENTILE, MSE,
//    ENTROPY): libpymo returns an all-zero record (bw 0), no encoding.
//  * TF_ENHANCED computes its final encoding in float32: delta is a float,
//    min = float(offset * delta), max = float((offset + N) * delta) (signed:
//    float(floor(N/2) * delta)). Re-deriving from the float-rounded min/max
//    gives float(delta') == delta on asymmetric grids; on signed grids the
//    rounding of max can move float(max / floor(N/2)) by one float ulp (5 of
//    30 records), which is asserted as exactly 0 or 1 ulp.
//  * TF_ENHANCED on all-zero data returns the asymmetric encoding of
//    [-1, 1] with N = 2^b - 1 whatever the symmetric/strict flags.
TEST(LibpymoGoldenTest, EveryRecordRederivesThroughGetComputedEncodings) {
  const std::vector<Record> records = LoadRecords();
  ASSERT_EQ(records.size(), 840u);
  int no_encoding = 0, exact = 0, tfe_float = 0, tfe_one_ulp = 0;
  for (const Record& r : records) {
    const std::string what = Describe(r);
    const Encoding& want = r.encoding;
    if (r.encoding_bw == 0) {
      EXPECT_EQ(r.set, "no_data") << what;
      EXPECT_NE(r.analyzer, "TF") << what;
      EXPECT_EQ(want.scale, 0.0) << what;
      ++no_encoding;
      continue;
    }
    ASSERT_EQ(r.encoding_bw, r.options.bitwidth) << what;
    const bool tfe = r.analyzer == "TF_ENHANCED";
    if (tfe && r.set == "zeros") {
      GridOptions asym;
      asym.bitwidth = r.options.bitwidth;
      absl::StatusOr<Encoding> e = ComputeLibpymoEncoding(-1.0, 1.0, asym);
      ASSERT_TRUE(e.ok()) << e.status();
      ExpectSameBits(*e, want, what);
      ++exact;
      continue;
    }
    const GridOptions& o = r.options;
    const bool signed_grid =
        o.symmetric && (want.min < 0.0 || !o.unsigned_symmetric);
    const double n = static_cast<double>(
        NumSteps(o.bitwidth, o.symmetric && o.strict_symmetric));
    absl::StatusOr<Encoding> e =
        signed_grid ? ComputeLibpymoEncoding(-want.max, want.max, o)
                    : ComputeLibpymoEncoding(want.min, want.max, o);
    ASSERT_TRUE(e.ok()) << what << ": " << e.status();
    EXPECT_EQ(e->offset, want.offset) << what;
    if (!tfe) {
      EXPECT_EQ(Bits(e->scale), Bits(want.scale)) << what;
      if (signed_grid) {
        EXPECT_EQ(Bits(e->max), Bits(want.max)) << what;
        EXPECT_EQ(Bits(e->offset * e->scale), Bits(want.min)) << what;
      } else {
        ExpectSameBits(*e, want, what);
      }
      ++exact;
      continue;
    }
    // TF_ENHANCED: a float32 encoding.
    ++tfe_float;
    EXPECT_EQ(F32(want.scale), want.scale) << what;
    EXPECT_EQ(want.min, F32(want.offset * want.scale)) << what;
    const double top = signed_grid ? std::floor(n / 2) : want.offset + n;
    EXPECT_EQ(want.max, F32(top * want.scale)) << what;
    const float got = static_cast<float>(e->scale);
    const float delta = static_cast<float>(want.scale);
    if (signed_grid && got != delta) {
      EXPECT_TRUE(got == std::nextafter(delta, 0.0f) ||
                  got == std::nextafter(delta, 1.0f))
          << what << " " << got << " vs " << delta;
      ++tfe_one_ulp;
    } else {
      EXPECT_EQ(got, delta) << what;
    }
  }
  EXPECT_EQ(no_encoding, 6 * 24);
  EXPECT_EQ(tfe_float, 3 * 24);  // normal, relu, negative
  EXPECT_EQ(tfe_one_ulp, 5);
  EXPECT_EQ(no_encoding + exact + tfe_float, 840);
}

}  // namespace
}  // namespace quantsim::quant
