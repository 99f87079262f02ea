// PlaceQuantizers on the digits CNN (tests/data/onnx/digits_cnn.onnx) with
// the three shipped configs: every quantizer's state, as a table.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "export/onnx.h"
#include "gtest/gtest.h"
#include "quant/config/placement.h"
#include "tests/quant/config/placement_test_util.h"

namespace quantsim::quant {
namespace {

std::string DataPath(const std::string& rel) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir ? std::string(srcdir) + "/" +
                                  (workspace ? workspace : "quantsim") + "/"
                            : "";
  return base + "tests/data/" + rel;
}

std::string Row(const QuantizerSpec& s) {
  const char* kind = s.kind == QuantizerKind::kInput    ? "in"
                     : s.kind == QuantizerKind::kOutput ? "out"
                                                        : "param";
  return absl::StrCat(
      kind, " ", s.node, ":", s.index, " ", s.tensor, " ",
      s.enabled ? "on" : "off", " ", s.grid.symmetric ? "sym" : "asym", " ",
      s.channel_axis ? absl::StrCat("axis", *s.channel_axis) : "tensor");
}

// digits_cnn.onnx (BN folded), 9 nodes:
//   input -> /conv1/Conv -> /Relu -> /conv2/Conv -> /Relu_1 -> /pool/MaxPool
//   -> /Flatten -> /fc1/Gemm (transB=1) -> /Relu_2 -> /fc2/Gemm -> logits
// Row format: kind node:index tensor on|off sym|asym axis<k>|tensor.
std::vector<std::string> Rows(const std::string& config) {
  absl::StatusOr<io::OnnxModel> m =
      io::ReadOnnx(DataPath("onnx/digits_cnn.onnx"));
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return {};
  std::vector<std::string> rows;
  for (const QuantizerSpec& s :
       testing::Place(m->graph, testing::Builtin(config))) {
    EXPECT_EQ(s.grid.bitwidth, 8);
    EXPECT_FALSE(s.grid.strict_symmetric);
    EXPECT_FALSE(s.grid.unsigned_symmetric);
    EXPECT_FALSE(s.constraint_min.has_value());
    rows.push_back(Row(s));
  }
  return rows;
}

TEST(PlacementDigits, DefaultConfig) {
  EXPECT_EQ(
      Rows("default_config.json"),
      (std::vector<std::string>{
          // model_input quantizes the graph input.
          "in /conv1/Conv:0 input on asym tensor",
          // Weights symmetric per tensor; bias not quantized (params.bias).
          "param /conv1/Conv:1 onnx::Conv_31 on sym tensor",
          "param /conv1/Conv:2 onnx::Conv_32 off sym tensor",
          // Conv+Relu supergroup: the Conv output is not quantized, the
          // Relu input neither; the Relu output is.
          "out /conv1/Conv:0 /conv1/Conv_output_0 off asym tensor",
          "in /Relu:0 /conv1/Conv_output_0 off asym tensor",
          "out /Relu:0 /Relu_output_0 on asym tensor",
          "in /conv2/Conv:0 /Relu_output_0 off asym tensor",
          "param /conv2/Conv:1 onnx::Conv_34 on sym tensor",
          "param /conv2/Conv:2 onnx::Conv_35 off sym tensor",
          "out /conv2/Conv:0 /conv2/Conv_output_0 off asym tensor",
          "in /Relu_1:0 /conv2/Conv_output_0 off asym tensor",
          "out /Relu_1:0 /Relu_1_output_0 on asym tensor",
          "in /pool/MaxPool:0 /Relu_1_output_0 off asym tensor",
          // MaxPool is not in the default config's op_type list.
          "out /pool/MaxPool:0 /pool/MaxPool_output_0 on asym tensor",
          "in /Flatten:0 /pool/MaxPool_output_0 off asym tensor",
          // Flatten is data movement: its output keeps MaxPool's grid.
          "out /Flatten:0 /Flatten_output_0 off asym tensor",
          "in /fc1/Gemm:0 /Flatten_output_0 off asym tensor",
          "param /fc1/Gemm:1 fc1.weight on sym tensor",
          "param /fc1/Gemm:2 fc1.bias off sym tensor",
          // Gemm+Relu supergroup.
          "out /fc1/Gemm:0 /fc1/Gemm_output_0 off asym tensor",
          "in /Relu_2:0 /fc1/Gemm_output_0 off asym tensor",
          "out /Relu_2:0 /Relu_2_output_0 on asym tensor",
          "in /fc2/Gemm:0 /Relu_2_output_0 off asym tensor",
          "param /fc2/Gemm:1 fc2.weight on sym tensor",
          "param /fc2/Gemm:2 fc2.bias off sym tensor",
          "out /fc2/Gemm:0 logits on asym tensor",
      }));
}

TEST(PlacementDigits, PerChannelConfig) {
  EXPECT_EQ(Rows("default_config_per_channel.json"),
            (std::vector<std::string>{
                "in /conv1/Conv:0 input on asym tensor",
                // Conv params per channel along axis 0 (the bias would be too,
                // were it quantized).
                "param /conv1/Conv:1 onnx::Conv_31 on sym axis0",
                "param /conv1/Conv:2 onnx::Conv_32 off sym axis0",
                "out /conv1/Conv:0 /conv1/Conv_output_0 off asym tensor",
                "in /Relu:0 /conv1/Conv_output_0 off asym tensor",
                "out /Relu:0 /Relu_output_0 on asym tensor",
                "in /conv2/Conv:0 /Relu_output_0 off asym tensor",
                "param /conv2/Conv:1 onnx::Conv_34 on sym axis0",
                "param /conv2/Conv:2 onnx::Conv_35 off sym axis0",
                "out /conv2/Conv:0 /conv2/Conv_output_0 off asym tensor",
                "in /Relu_1:0 /conv2/Conv_output_0 off asym tensor",
                "out /Relu_1:0 /Relu_1_output_0 on asym tensor",
                "in /pool/MaxPool:0 /Relu_1_output_0 off asym tensor",
                "out /pool/MaxPool:0 /pool/MaxPool_output_0 on asym tensor",
                "in /Flatten:0 /pool/MaxPool_output_0 off asym tensor",
                "out /Flatten:0 /Flatten_output_0 off asym tensor",
                "in /fc1/Gemm:0 /Flatten_output_0 off asym tensor",
                // op_type.Gemm.per_channel_quantization "False".
                "param /fc1/Gemm:1 fc1.weight on sym tensor",
                "param /fc1/Gemm:2 fc1.bias off sym tensor",
                "out /fc1/Gemm:0 /fc1/Gemm_output_0 off asym tensor",
                "in /Relu_2:0 /fc1/Gemm_output_0 off asym tensor",
                "out /Relu_2:0 /Relu_2_output_0 on asym tensor",
                "in /fc2/Gemm:0 /Relu_2_output_0 off asym tensor",
                "param /fc2/Gemm:1 fc2.weight on sym tensor",
                "param /fc2/Gemm:2 fc2.bias off sym tensor",
                "out /fc2/Gemm:0 logits on asym tensor",
            }));
}

TEST(PlacementDigits, HtpV73Config) {
  EXPECT_EQ(Rows("htp_quantsim_config_v73.json"),
            (std::vector<std::string>{
                "in /conv1/Conv:0 input on asym tensor",
                "param /conv1/Conv:1 onnx::Conv_31 on sym axis0",
                "param /conv1/Conv:2 onnx::Conv_32 off sym axis0",
                "out /conv1/Conv:0 /conv1/Conv_output_0 off asym tensor",
                "in /Relu:0 /conv1/Conv_output_0 off asym tensor",
                "out /Relu:0 /Relu_output_0 on asym tensor",
                "in /conv2/Conv:0 /Relu_output_0 off asym tensor",
                "param /conv2/Conv:1 onnx::Conv_34 on sym axis0",
                "param /conv2/Conv:2 onnx::Conv_35 off sym axis0",
                "out /conv2/Conv:0 /conv2/Conv_output_0 off asym tensor",
                "in /Relu_1:0 /conv2/Conv_output_0 off asym tensor",
                "out /Relu_1:0 /Relu_1_output_0 on asym tensor",
                "in /pool/MaxPool:0 /Relu_1_output_0 off asym tensor",
                // HTP: MaxPool output not quantized (it keeps Relu_1's grid).
                "out /pool/MaxPool:0 /pool/MaxPool_output_0 off asym tensor",
                "in /Flatten:0 /pool/MaxPool_output_0 off asym tensor",
                "out /Flatten:0 /Flatten_output_0 off asym tensor",
                "in /fc1/Gemm:0 /Flatten_output_0 off asym tensor",
                // HTP: per-channel off for Gemm.
                "param /fc1/Gemm:1 fc1.weight on sym tensor",
                "param /fc1/Gemm:2 fc1.bias off sym tensor",
                "out /fc1/Gemm:0 /fc1/Gemm_output_0 off asym tensor",
                "in /Relu_2:0 /fc1/Gemm_output_0 off asym tensor",
                "out /Relu_2:0 /Relu_2_output_0 on asym tensor",
                "in /fc2/Gemm:0 /Relu_2_output_0 off asym tensor",
                "param /fc2/Gemm:1 fc2.weight on sym tensor",
                "param /fc2/Gemm:2 fc2.bias off sym tensor",
                "out /fc2/Gemm:0 logits on asym tensor",
            }));
}

TEST(PlacementDigits, GemmTransBAxisWhenPerChannel) {
  // fc weights are [out, in] with transB = 1: per-channel axis 0.
  absl::StatusOr<io::OnnxModel> m =
      io::ReadOnnx(DataPath("onnx/digits_cnn.onnx"));
  ASSERT_TRUE(m.ok()) << m.status();
  QuantSimConfig c = testing::Builtin("default_config_per_channel.json");
  c.op_type.erase("Gemm");
  std::vector<QuantizerSpec> s = testing::Place(m->graph, c);
  const QuantizerSpec* w =
      testing::Find(s, QuantizerKind::kParam, "/fc1/Gemm", 1);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->channel_axis, 0);
}

}  // namespace
}  // namespace quantsim::quant
