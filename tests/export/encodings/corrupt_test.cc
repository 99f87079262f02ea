// Corrupt, truncated and mistyped encodings files give a clean Status naming
// the file and the JSON path of the problem; nothing crashes.
#include <string>

#include "export/encodings/encodings_file.h"
#include "gtest/gtest.h"
#include "tests/export/encodings/encodings_test_util.h"

namespace quantsim::io {
namespace {

const char* const kGoldens[] = {"spec_0_6_1.encodings", "spec_1_0_0.encodings",
                                "spec_2_0_0.encodings"};

std::string Golden(const std::string& name) {
  return testing::ReadTestFile("tests/data/encodings/" + name);
}

TEST(EncodingsCorruptTest, TruncatedFilesAreDataLossNamingTheFile) {
  for (const char* name : kGoldens) {
    const std::string text = Golden(name);
    ASSERT_TRUE(ReadEncodingsFromString(text, name).ok()) << name;
    for (size_t cut : {size_t{0}, size_t{1}, size_t{17}, text.size() / 3,
                       text.size() / 2, text.size() - 30, text.size() - 3}) {
      absl::StatusOr<quant::EncodingSet> r =
          ReadEncodingsFromString(text.substr(0, cut), "cut.encodings");
      ASSERT_FALSE(r.ok()) << name << " cut at " << cut;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
      EXPECT_NE(r.status().message().find("cut.encodings"), std::string::npos)
          << r.status();
    }
  }
}

TEST(EncodingsCorruptTest, CorruptBytesNeverCrashAndNameTheFile) {
  for (const char* name : kGoldens) {
    const std::string text = Golden(name);
    for (size_t at = 0; at < text.size(); at += 7) {
      for (char junk : {'\0', '"', '}', 'x', '9'}) {
        std::string bad = text;
        bad[at] = junk;
        absl::StatusOr<quant::EncodingSet> r =
            ReadEncodingsFromString(bad, "junk.encodings");
        if (r.ok()) continue;  // e.g. a changed digit still parses
        EXPECT_TRUE(r.status().code() == absl::StatusCode::kDataLoss ||
                    r.status().code() == absl::StatusCode::kInvalidArgument ||
                    r.status().code() == absl::StatusCode::kUnimplemented)
            << r.status();
        EXPECT_NE(r.status().message().find("junk.encodings"),
                  std::string::npos)
            << r.status();
      }
    }
  }
}

// Replaces the first `from` (which must occur) in a golden file and expects an
// InvalidArgument mentioning `path`.
void ExpectBad(const char* golden, const std::string& from,
               const std::string& to, const std::string& path,
               absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  const std::string text = Golden(golden);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  std::string bad = text;
  bad.replace(at, from.size(), to);
  absl::StatusOr<quant::EncodingSet> r =
      ReadEncodingsFromString(bad, "bad.encodings");
  ASSERT_FALSE(r.ok()) << from << " -> " << to;
  EXPECT_EQ(r.status().code(), code) << r.status();
  EXPECT_NE(r.status().message().find("bad.encodings: "), std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find(path), std::string::npos)
      << r.status() << " should name " << path;
}

TEST(EncodingsCorruptTest, Legacy061FieldErrorsNameTheJsonPath) {
  const char* g = "spec_0_6_1.encodings";
  ExpectBad(g, "\"bitwidth\": 16", "\"bitwidth\": \"16\"",
            "activation_encodings[\"/ln/LayerNormalization_output_0\"][0]."
            "bitwidth");
  ExpectBad(g, "\"bitwidth\": 16", "\"bitwidth\": 8",
            "activation_encodings[\"/ln/LayerNormalization_output_0\"][0]."
            "bitwidth");
  ExpectBad(g, "\"offset\": -85", "\"offset\": 5", "[\"input.1\"][0]");
  ExpectBad(g, "\"offset\": -85", "\"offset\": -85.5",
            "[\"input.1\"][0].offset");
  ExpectBad(g, "\"scale\": 0.011764706", "\"scale\": NaN",
            "[\"input.1\"][0].scale");
  ExpectBad(g, "\"max\": 2.0", "\"max\": -Infinity", "[\"input.1\"][0].max");
  ExpectBad(g, "\"max\": 2.0", "\"max\": 1e999", "too big for a double");
  ExpectBad(g, "\"max\": 2.0", "\"max\": -3.0", "[\"input.1\"][0]");
  ExpectBad(g, "\"is_symmetric\": \"False\"", "\"is_symmetric\": 0",
            "is_symmetric");
  ExpectBad(g, "\"is_symmetric\": \"False\"", "\"is_symmetric\": \"false\"",
            "is_symmetric");
  ExpectBad(g, "\"bitwidth\": 8", "\"bitwidth\": 33", "bitwidth");
  ExpectBad(g, "\"bitwidth\": 8", "\"bitwidth\": 1", "bitwidth");
  ExpectBad(g, "\"is_symmetric\": \"True\"", "\"is_symmetric\": \"False\"",
            "param_encodings[\"conv1.weight\"][1]");
  ExpectBad(g, "\"excluded_layers\": []", "\"excluded_layers\": [3]",
            "excluded_layers[0]");
  ExpectBad(g, "\"per_channel_quantization\": true",
            "\"per_channel_quantization\": 1",
            "quantizer_args.per_channel_quantization");
  ExpectBad(g, "\"param_encodings\": {", "\"param_encodings\": {\"x\": 1, ",
            "param_encodings.x");
}

TEST(EncodingsCorruptTest, V100FieldErrorsNameTheJsonPath) {
  const char* g = "spec_1_0_0.encodings";
  ExpectBad(g, "\"is_sym\": false", "\"is_sym\": \"False\"",
            "activation_encodings[0].is_sym");
  ExpectBad(g, "-85\n", "-85,\n-84\n", "activation_encodings[0]");
  ExpectBad(g, "\"enc_type\": \"PER_CHANNEL\"", "\"enc_type\": \"PER_ROW\"",
            "param_encodings[0].enc_type");
  ExpectBad(g, "\"enc_type\": \"PER_CHANNEL\"", "\"enc_type\": \"VECTOR\"",
            "param_encodings[0].enc_type", absl::StatusCode::kUnimplemented);
  ExpectBad(g, "                16,\n", "                0,\n",
            "param_encodings[1].per_block_int_scale[0]");
  ExpectBad(g, "                12\n", "                12,\n 5\n",
            "param_encodings[1].per_block_int_scale");
  ExpectBad(g, "\"name\": \"input.1\"",
            "\"name\": \"/ln/LayerNormalization_output_0\"",
            "activation_encodings[1]");
  ExpectBad(g, "0.003937008", "-0.003937008", "param_encodings[0]");
}

TEST(EncodingsCorruptTest, V200FieldErrorsNameTheJsonPath) {
  const char* g = "spec_2_0_0.encodings";
  ExpectBad(g, "\"y_zero_point\": 85", "\"y_zero_point\": 256",
            "activation_encodings[0].y_zero_point");
  ExpectBad(g, "\"y_zero_point\": 85", "\"y_zero_point\": [85]",
            "activation_encodings[0].y_zero_point");
  ExpectBad(g, "\"output_dtype\": \"uint8\"", "\"output_dtype\": \"uint7\"",
            "activation_encodings[0].output_dtype");
  ExpectBad(
      g, "\"output_dtype\": \"uint8\"", "\"output_dtype\": \"float8e4m3fn\"",
      "activation_encodings[0].output_dtype", absl::StatusCode::kUnimplemented);
  ExpectBad(g, "\"y_scale\": 0.011764706", "\"y_scale\": {\"x\": 1}",
            "activation_encodings[0].y_scale",
            absl::StatusCode::kUnimplemented);
  ExpectBad(g, "0.001968504", "0.0", "param_encodings[0].y_scale[1]");
  ExpectBad(g, "                    9\n", "                    9,\n 1\n",
            "param_encodings[1].per_block_int_scale[1]");
  ExpectBad(g, "\"block_size\": 64,", "", "param_encodings[1]");
}

TEST(EncodingsCorruptTest, VersionAndShapeErrors) {
  ExpectBad("spec_0_6_1.encodings", "\"version\": \"0.6.1\"",
            "\"version\": \"9.9.9\"", "version");
  ExpectBad("spec_0_6_1.encodings", "\"version\": \"0.6.1\"",
            "\"version\": 0.61", "version");
  ExpectBad("spec_0_6_1.encodings", ",\n    \"version\": \"0.6.1\"", "",
            "missing \"version\"");
  absl::StatusOr<quant::EncodingSet> r =
      ReadEncodingsFromString("[1, 2]", "list.encodings");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("list.encodings"), std::string::npos);
  r = ReadEncodingsFromString("{\"version\": \"1.0.0\"} trailing", "t.json");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      ReadEncodings("tests/data/encodings/missing.encodings").status().code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace quantsim::io
