// write -> read gives back the same EncodingSet (doubles bit for bit) in
// every version, across versions, and what a version cannot hold is an
// error naming the tensor.
#include <charconv>
#include <cstdlib>
#include <random>
#include <string>

#include "export/encodings/encodings_file.h"
#include "export/encodings/json_util.h"
#include "gtest/gtest.h"
#include "tests/export/encodings/encodings_test_util.h"

namespace quantsim::io {
namespace {

using testing::FloatTensor;
using testing::GridEncoding;
using testing::IntTensor;
using testing::LpbqTensor;
using testing::PassThroughTensor;
using testing::RawEncoding;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

quant::EncodingSet Args() {
  quant::EncodingSet set;
  set.excluded_layers = {"conv_skip", "head.fc"};
  set.quant_scheme = "post_training_percentile";
  set.activation_bitwidth = 16;
  set.param_bitwidth = 4;
  set.per_channel_quantization = true;
  set.params_symmetric = false;
  return set;
}

// 64 channels with random scales: doubles with full 53-bit mantissas.
quant::TensorEncodings RandomPerChannel(const std::string& name, int axis,
                                        bool symmetric) {
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> scale(1e-6, 10.0);
  std::uniform_int_distribution<int> offset(-255, 0);
  quant::PerChannelEncoding encs;
  for (int c = 0; c < 64; ++c) {
    encs.push_back(
        GridEncoding(8, symmetric, scale(rng), symmetric ? -128 : offset(rng)));
  }
  return IntTensor(name, true, encs, axis);
}

// What every version holds, grid-aligned (min/max = scale * offset ...).
quant::EncodingSet CommonSet() {
  quant::EncodingSet set = Args();
  set.activations = {
      IntTensor("act.asym", false, {GridEncoding(8, false, 1.0 / 30, -37)}),
      FloatTensor("act.fp16", false),
      PassThroughTensor("act.pass", false),
      IntTensor("act.16bit", false, {GridEncoding(16, false, 1e-5, -32768)}),
      IntTensor("act.4bit", false, {GridEncoding(4, true, 0.75, -8)}),
  };
  set.params = {
      IntTensor("w.sym", true, {GridEncoding(8, true, 0.0123, -128)}),
      RandomPerChannel("w.pc", 0, true),
      RandomPerChannel("w.pc_asym", 0, false),
      PassThroughTensor("b.pass", true),
  };
  return set;
}

absl::StatusOr<EncodingsFile> WriteAndRead(const quant::EncodingSet& set,
                                           EncodingsVersion version,
                                           const BlockwiseLayouts& layouts,
                                           const std::string& name) {
  const std::string path = TempPath(name);
  if (absl::Status s = WriteEncodings(set, version, path, layouts); !s.ok()) {
    return s;
  }
  return ReadEncodingsFile(path);
}

TEST(EncodingsRoundTripTest, V061) {
  quant::EncodingSet set = CommonSet();
  // 0.6.1 stores min/max as written: any values survive bit for bit.
  set.activations.push_back(IntTensor(
      "act.raw", false,
      {RawEncoding(8, false, -0.1 * 3, 1.0 / 3, 0.0025098039215686274, -120)}));
  set.params.push_back(IntTensor(
      "w.strict", true, {GridEncoding(8, true, 0.02, -127, /*strict=*/true)}));
  set.params.push_back(
      IntTensor("w.unsigned_sym", true, {GridEncoding(8, true, 0.5, 0)}));
  absl::StatusOr<EncodingsFile> file =
      WriteAndRead(set, EncodingsVersion::k0_6_1, {}, "v061.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->version_string, "0.6.1");
  EXPECT_TRUE(testing::SameSet(testing::SortedByName(set), file->set));
}

TEST(EncodingsRoundTripTest, V100WithBlockwiseAndLpbq) {
  quant::EncodingSet set = CommonSet();
  set.params.push_back(IntTensor(
      "w.strict", true, {GridEncoding(8, true, 0.02, -127, /*strict=*/true)}));
  set.params.push_back(
      IntTensor("w.unsigned_sym", true, {GridEncoding(8, true, 0.5, 0)}));
  quant::PerChannelEncoding blocks;
  for (int i = 0; i < 6; ++i) {
    blocks.push_back(GridEncoding(4, false, 0.01 * (i + 1) / 7.0, -i));
  }
  set.params.push_back(IntTensor("w.blk", true, blocks, 0, 16));
  BlockwiseLayouts layouts;
  set.params.push_back(LpbqTensor("w.lpbq", 4, 8, 32, {0.1 / 3, 0.007},
                                  {16, 1, 5, 7, 16, 2}, &layouts["w.lpbq"]));
  absl::StatusOr<EncodingsFile> file =
      WriteAndRead(set, EncodingsVersion::k1_0_0, layouts, "v100.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(testing::SameSet(set, file->set));
  // 1.0.0 keeps LPBQ's factors; plain PER_BLOCK has no channel count.
  EXPECT_TRUE(testing::SameLayouts(layouts, file->blockwise));
}

TEST(EncodingsRoundTripTest, V200WithBlockwiseLpbqAndBfloat16) {
  quant::EncodingSet set = CommonSet();
  set.activations.push_back(
      FloatTensor("act.bf16", false, quant::QuantDataType::kBFloat16));
  set.params.push_back(RandomPerChannel("w.pc_axis1", 1, true));
  quant::PerChannelEncoding blocks;
  for (int i = 0; i < 6; ++i) {
    blocks.push_back(GridEncoding(4, false, 0.01 * (i + 1) / 7.0, -i));
  }
  BlockwiseLayouts layouts;
  set.params.push_back(IntTensor("w.blk", true, blocks, 0, 16));
  layouts["w.blk"].num_channels = 2;
  layouts["w.blk"].block_axis = 1;
  set.params.push_back(LpbqTensor("w.lpbq", 4, 8, 32, {0.1 / 3, 0.007},
                                  {16, 1, 5, 7, 16, 2}, &layouts["w.lpbq"]));
  absl::StatusOr<EncodingsFile> file =
      WriteAndRead(set, EncodingsVersion::k2_0_0, layouts, "v200.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(testing::SameSet(set, file->set));
  EXPECT_TRUE(testing::SameLayouts(layouts, file->blockwise));
}

TEST(EncodingsRoundTripTest, V200UnsignedSymmetricReadsBackAsSameAsymmetric) {
  quant::EncodingSet set;
  set.params = {IntTensor("w", true, {GridEncoding(8, true, 0.5, 0)})};
  absl::StatusOr<EncodingsFile> file =
      WriteAndRead(set, EncodingsVersion::k2_0_0, {}, "usym.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  set.params[0].encodings[0].symmetric = false;  // 2.0.0 has no flag
  EXPECT_TRUE(testing::SameSet(set, file->set));
}

TEST(EncodingsRoundTripTest, CrossVersionChainKeepsEverything) {
  // Starts from 0.6.1, whose dicts come back sorted by name.
  const quant::EncodingSet set = testing::SortedByName(CommonSet());
  absl::StatusOr<EncodingsFile> a =
      WriteAndRead(set, EncodingsVersion::k0_6_1, {}, "chain1.encodings");
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<EncodingsFile> b =
      WriteAndRead(a->set, EncodingsVersion::k2_0_0, {}, "chain2.encodings");
  ASSERT_TRUE(b.ok()) << b.status();
  absl::StatusOr<EncodingsFile> c =
      WriteAndRead(b->set, EncodingsVersion::k1_0_0, {}, "chain3.encodings");
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<EncodingsFile> d =
      WriteAndRead(c->set, EncodingsVersion::k0_6_1, {}, "chain4.encodings");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(testing::SameSet(set, b->set));
  EXPECT_TRUE(testing::SameSet(set, d->set));
}

TEST(EncodingsRoundTripTest, Spec061ToV200KeepsScalesAndOffsets) {
  absl::StatusOr<EncodingsFile> legacy =
      ReadEncodingsFile("tests/data/encodings/spec_0_6_1.encodings");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  absl::StatusOr<EncodingsFile> v2 = WriteAndRead(
      legacy->set, EncodingsVersion::k2_0_0, {}, "cross.encodings");
  ASSERT_TRUE(v2.ok()) << v2.status();
  ASSERT_EQ(v2->set.activations.size(), legacy->set.activations.size());
  for (int p = 0; p < 2; ++p) {
    const auto& a = p ? legacy->set.params : legacy->set.activations;
    const auto& b = p ? v2->set.params : v2->set.activations;
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].tensor, b[i].tensor);
      EXPECT_EQ(a[i].dtype, b[i].dtype);
      EXPECT_EQ(a[i].channel_axis, b[i].channel_axis);
      ASSERT_EQ(a[i].encodings.size(), b[i].encodings.size());
      for (size_t c = 0; c < a[i].encodings.size(); ++c) {
        const quant::Encoding& x = a[i].encodings[c];
        const quant::Encoding& y = b[i].encodings[c];
        EXPECT_TRUE(testing::SameDouble(x.scale, y.scale));
        EXPECT_EQ(x.offset, y.offset);
        EXPECT_EQ(x.bitwidth, y.bitwidth);
        EXPECT_EQ(x.symmetric, y.symmetric);
        // min/max are rebuilt on the grid (2.0.0 does not store them).
        EXPECT_TRUE(testing::SameDouble(y.min, y.scale * y.offset));
      }
    }
  }
  EXPECT_EQ(v2->set.quant_scheme, "post_training_tf_enhanced");
  EXPECT_TRUE(v2->set.per_channel_quantization);
}

void ExpectWriteError(const quant::EncodingSet& set, EncodingsVersion version,
                      const std::string& needle,
                      const BlockwiseLayouts& layouts = {}) {
  absl::StatusOr<std::string> text = SerializeEncodings(set, version, layouts);
  ASSERT_FALSE(text.ok()) << *text;
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(text.status().message().find(needle), std::string::npos)
      << text.status();
}

TEST(EncodingsWriteErrorsTest, WhatAVersionCannotHoldIsAnError) {
  quant::EncodingSet set;
  set.activations = {
      FloatTensor("x.bf16", false, quant::QuantDataType::kBFloat16)};
  ExpectWriteError(set, EncodingsVersion::k0_6_1, "x.bf16");
  ExpectWriteError(set, EncodingsVersion::k1_0_0, "x.bf16");

  set.activations = {
      IntTensor("w.strict", true, {GridEncoding(8, true, 0.02, -127, true)})};
  ExpectWriteError(set, EncodingsVersion::k2_0_0, "w.strict");
  set.activations = {IntTensor("x6", false, {GridEncoding(6, false, 0.1, 0)})};
  ExpectWriteError(set, EncodingsVersion::k2_0_0, "x6");

  quant::PerChannelEncoding blocks(4, GridEncoding(4, false, 0.1, -3));
  set.activations = {};
  set.params = {IntTensor("w.blk", true, blocks, 0, 8)};
  ExpectWriteError(set, EncodingsVersion::k0_6_1, "w.blk");
  ExpectWriteError(set, EncodingsVersion::k2_0_0, "BlockwiseLayout");
  EXPECT_TRUE(SerializeEncodings(set, EncodingsVersion::k1_0_0).ok());
}

TEST(EncodingsWriteErrorsTest, InvalidEncodingsAreRejected) {
  quant::EncodingSet set;
  quant::Encoding nan = GridEncoding(8, false, 0.1, -3);
  nan.scale = std::nan("");
  set.activations = {IntTensor("x.nan", false, {nan})};
  ExpectWriteError(set, EncodingsVersion::k0_6_1, "x.nan");

  set.activations = {
      IntTensor("x.sym", false, {GridEncoding(8, true, 0.1, -85)})};
  ExpectWriteError(set, EncodingsVersion::k1_0_0, "symmetric grid");

  set.activations = {IntTensor(
      "x.two", false,
      {GridEncoding(8, false, 0.1, -3), GridEncoding(8, false, 0.2, -3)})};
  ExpectWriteError(set, EncodingsVersion::k0_6_1, "without a channel axis");

  set.activations = {IntTensor("dup", false, {GridEncoding(8, false, 0.1, 0)}),
                     IntTensor("dup", false, {GridEncoding(8, false, 0.1, 0)})};
  ExpectWriteError(set, EncodingsVersion::k1_0_0, "listed twice");

  BlockwiseLayouts layouts;
  set.activations = {};
  set.params = {LpbqTensor("w.lpbq", 4, 8, 32, {0.5, 0.25}, {16, 3, 2, 16},
                           &layouts["w.lpbq"])};
  layouts["w.lpbq"].per_block_int_scale[1] = 4;  // no longer k * s
  ExpectWriteError(set, EncodingsVersion::k1_0_0, "w.lpbq", layouts);
  layouts["w.lpbq"].per_block_int_scale[1] = 17;  // outside [1, 16]
  ExpectWriteError(set, EncodingsVersion::k2_0_0, "outside", layouts);
}

TEST(EncodingsWriteErrorsTest, FailedWriteLeavesNoFile) {
  quant::EncodingSet set;
  set.activations = {IntTensor("x", false, {GridEncoding(8, false, 0.1, 0)})};
  const std::string path = TempPath("no_such_dir/x.encodings");
  absl::Status s = WriteEncodings(set, EncodingsVersion::k1_0_0, path);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(ReadEncodingsFile(path).ok());
}

TEST(EncodingsJsonTest, DoublesPrintShortestAndRoundTrip) {
  EXPECT_EQ(internal::FormatDouble(0.1), "0.1");
  EXPECT_EQ(internal::FormatDouble(2.0), "2.0");
  EXPECT_EQ(internal::FormatDouble(-0.503937), "-0.503937");
  EXPECT_EQ(internal::FormatDouble(0.011764706), "0.011764706");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string s = internal::FormatDouble(d);
    rapidjson::Document doc;
    ASSERT_TRUE(internal::ParseJson("[" + s + "]", "t", &doc).ok()) << s;
    ASSERT_TRUE(doc[0].IsDouble()) << s;
    ASSERT_TRUE(testing::SameDouble(doc[0].GetDouble(), d)) << s;
  }
}

TEST(EncodingsJsonTest, SameJsonChecksKeyOrderAndNumberKinds) {
  EXPECT_TRUE(
      testing::SameJson("{\"a\": 1, \"b\": [2.5]}", "{\"a\":1,\"b\":[2.5]}"));
  EXPECT_FALSE(
      testing::SameJson("{\"a\": 1, \"b\": 2}", "{\"b\": 2, \"a\": 1}"));
  EXPECT_FALSE(testing::SameJson("{\"a\": 1}", "{\"a\": 1.0}"));
  EXPECT_FALSE(testing::SameJson("[0.1]", "[0.10000000000000002]"));
}

}  // namespace
}  // namespace quantsim::io
