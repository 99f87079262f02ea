// The writers against files written by hand from the examples of spec
// §5.2-5.4 (tests/data/encodings), field by field and in key order; the
// readers on the same files.
#include <string>

#include "export/encodings/encodings_file.h"
#include "gtest/gtest.h"
#include "tests/export/encodings/encodings_test_util.h"

namespace quantsim::io {
namespace {

using testing::FloatTensor;
using testing::GridEncoding;
using testing::IntTensor;
using testing::LpbqTensor;
using testing::RawEncoding;
using testing::ReadTestFile;

const char kDir[] = "tests/data/encodings/";

quant::EncodingSet QuantizerArgs(const std::string& scheme) {
  quant::EncodingSet set;
  set.quant_scheme = scheme;
  set.activation_bitwidth = 8;
  set.param_bitwidth = 8;
  set.per_channel_quantization = true;
  set.params_symmetric = true;
  return set;
}

quant::TensorEncodings Conv1(bool grid) {
  if (grid) {
    return IntTensor("conv1.weight", true,
                     {GridEncoding(8, true, 0.003937008, -128),
                      GridEncoding(8, true, 0.001968504, -128)},
                     0);
  }
  return IntTensor("conv1.weight", true,
                   {RawEncoding(8, true, -0.503937, 0.5, 0.003937008, -128),
                    RawEncoding(8, true, -0.251969, 0.25, 0.001968504, -128)},
                   0);
}

// Spec §5.2, in the file's (sorted) order.
quant::EncodingSet Spec061() {
  quant::EncodingSet set = QuantizerArgs("post_training_tf_enhanced");
  set.activations = {
      FloatTensor("/ln/LayerNormalization_output_0", false),
      IntTensor("/relu/Relu_output_0", false,
                {RawEncoding(8, false, 0.0, 6.0, 0.023529412, 0)}),
      IntTensor("input.1", false,
                {RawEncoding(8, false, -1.0, 2.0, 0.011764706, -85)}),
  };
  set.params = {Conv1(false)};
  return set;
}

quant::TensorEncodings Fc(BlockwiseLayout* layout) {
  return LpbqTensor("fc.weight", 4, 8, 64, {0.0012, 0.0009}, {16, 9, 3, 12},
                    layout);
}

quant::EncodingSet Spec100(BlockwiseLayouts* layouts) {
  quant::EncodingSet set = QuantizerArgs("post_training_tf");
  set.activations = {
      IntTensor("input.1", false, {GridEncoding(8, false, 0.011764706, -85)}),
      FloatTensor("/ln/LayerNormalization_output_0", false),
  };
  set.params = {Conv1(true), Fc(&(*layouts)["fc.weight"])};
  return set;
}

quant::EncodingSet Spec200(BlockwiseLayouts* layouts) {
  quant::EncodingSet set = QuantizerArgs("min_max");
  set.activations = {
      IntTensor("input.1", false, {GridEncoding(8, false, 0.011764706, -85)}),
  };
  set.params = {Conv1(true), Fc(&(*layouts)["fc.weight"])};
  return set;
}

TEST(EncodingsGoldenTest, Writes061LikeSpecExample) {
  absl::StatusOr<std::string> text =
      SerializeEncodings(Spec061(), EncodingsVersion::k0_6_1);
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string golden =
      ReadTestFile(std::string(kDir) + "spec_0_6_1.encodings");
  EXPECT_TRUE(testing::SameJson(golden, *text)) << *text;
  // Same set in any order: the writer sorts tensor names.
  quant::EncodingSet shuffled = Spec061();
  std::swap(shuffled.activations[0], shuffled.activations[2]);
  EXPECT_EQ(*SerializeEncodings(shuffled, EncodingsVersion::k0_6_1), *text);
}

TEST(EncodingsGoldenTest, Writes100LikeSpecExample) {
  BlockwiseLayouts layouts;
  const quant::EncodingSet set = Spec100(&layouts);
  absl::StatusOr<std::string> text =
      SerializeEncodings(set, EncodingsVersion::k1_0_0, layouts);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(testing::SameJson(
      ReadTestFile(std::string(kDir) + "spec_1_0_0.encodings"), *text))
      << *text;
}

TEST(EncodingsGoldenTest, Writes200LikeSpecExample) {
  BlockwiseLayouts layouts;
  const quant::EncodingSet set = Spec200(&layouts);
  absl::StatusOr<std::string> text =
      SerializeEncodings(set, EncodingsVersion::k2_0_0, layouts);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(testing::SameJson(
      ReadTestFile(std::string(kDir) + "spec_2_0_0.encodings"), *text))
      << *text;
}

TEST(EncodingsGoldenTest, WritesTorchEncodings) {
  TorchNameMap names;
  names.activations["input.1"] = {{"conv1", true, 0}};
  names.activations["/relu/Relu_output_0"] = {{"relu", false, 0},
                                              {"fc", true, 0}};
  names.activations["/ln/LayerNormalization_output_0"] = {{"ln", false, 0}};
  absl::StatusOr<std::string> text = SerializeTorchEncodings(Spec061(), names);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(testing::SameJson(
      ReadTestFile(std::string(kDir) + "spec_torch.encodings"), *text))
      << *text;

  // An activation without a module site is an error, not silently dropped.
  names.activations.erase("input.1");
  absl::StatusOr<std::string> missing =
      SerializeTorchEncodings(Spec061(), names);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("input.1"), std::string::npos);
}

TEST(EncodingsGoldenTest, Reads061SpecExample) {
  absl::StatusOr<EncodingsFile> file =
      ReadEncodingsFile(std::string(kDir) + "spec_0_6_1.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->version, EncodingsVersion::k0_6_1);
  EXPECT_TRUE(testing::SameSet(Spec061(), file->set));
  EXPECT_TRUE(file->blockwise.empty());
}

TEST(EncodingsGoldenTest, Reads100SpecExample) {
  BlockwiseLayouts layouts;
  const quant::EncodingSet expected = Spec100(&layouts);
  absl::StatusOr<EncodingsFile> file =
      ReadEncodingsFile(std::string(kDir) + "spec_1_0_0.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->version, EncodingsVersion::k1_0_0);
  EXPECT_TRUE(testing::SameSet(expected, file->set));
  EXPECT_TRUE(testing::SameLayouts(layouts, file->blockwise));
}

TEST(EncodingsGoldenTest, Reads200SpecExample) {
  BlockwiseLayouts layouts;
  const quant::EncodingSet expected = Spec200(&layouts);
  absl::StatusOr<EncodingsFile> file =
      ReadEncodingsFile(std::string(kDir) + "spec_2_0_0.encodings");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->version, EncodingsVersion::k2_0_0);
  EXPECT_TRUE(testing::SameSet(expected, file->set));
  EXPECT_TRUE(testing::SameLayouts(layouts, file->blockwise));
  // The ONNX zero point 85 is the legacy offset -85 (spec §10 note 6).
  EXPECT_EQ(file->set.activations[0].encodings[0].offset, -85.0);
}

}  // namespace
}  // namespace quantsim::io
