// LowerToQdqOnnx: structure of the lowered graphs (names, types, attributes,
// opsets), bit-exactness with the simulation when run in quantsim (stand-in
// or real QuantizeLinear/DequantizeLinear), the file round trip, and errors.
#include <cstdio>
#include <cstring>
#include <map>

#include "engine/status.h"
#include "export/onnx.h"
#include "export/qdq/qdq_export.h"
#include "gtest/gtest.h"
#include "tests/export/qdq/qdq_test_util.h"

namespace quantsim::io {
namespace {

using engine::DType;
using engine::Tensor;
using qdq_testing::MakeSimCases;
using qdq_testing::RunGraph;
using qdq_testing::SimCase;

SimCase Case(const std::string& name, const std::string& r = "half_to_even") {
  for (SimCase& c : MakeSimCases(r)) {
    if (c.name == name || c.name == name + "_" + r) return c;
  }
  ADD_FAILURE() << "no case " << name;
  return {};
}

const graph::Node& NodeNamed(const graph::Graph& g, const std::string& n) {
  static const graph::Node kNone;
  absl::StatusOr<graph::NodeId> id = g.FindNode(n);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? g.node(*id) : kNone;
}

const graph::Value& ValueNamed(const graph::Graph& g, const std::string& n) {
  static const graph::Value kNone;
  absl::StatusOr<graph::ValueId> id = g.FindValue(n);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? g.value(*id) : kNone;
}

std::vector<std::string> InputNames(const graph::Graph& g,
                                    const graph::Node& n) {
  std::vector<std::string> out;
  for (graph::ValueId v : n.inputs) out.push_back(g.value(v).name);
  return out;
}

bool SameBits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(QdqLower, PerTensorNamesAndTypes) {
  SimCase c = Case("act_relu");
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, {}, &info);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(info.opset, 13);
  EXPECT_EQ(info.num_quantizers, 2);
  EXPECT_TRUE(info.rounding_mismatch.empty());
  std::vector<std::string> types;
  for (int i = 0; i < g->num_nodes(); ++i) types.push_back(g->node(i).op_type);
  EXPECT_EQ(types, (std::vector<std::string>{
                       "QuantizeLinear", "DequantizeLinear", "Relu",
                       "QuantizeLinear", "DequantizeLinear"}));
  const graph::Node& q = NodeNamed(*g, "x_fq_q");
  EXPECT_EQ(q.op_type, "QuantizeLinear");
  EXPECT_EQ(InputNames(*g, q),
            (std::vector<std::string>{"x", "x_scale", "x_zero_point"}));
  EXPECT_EQ(g->value(q.outputs[0]).name, "x_q");
  EXPECT_EQ(g->value(q.outputs[0]).type.dtype, DType::kU8);
  EXPECT_FALSE(q.attrs.Has("axis"));
  const graph::Node& dq = NodeNamed(*g, "x_fq_dq");
  EXPECT_EQ(InputNames(*g, dq),
            (std::vector<std::string>{"x_q", "x_scale", "x_zero_point"}));
  EXPECT_EQ(g->value(dq.outputs[0]).name, "x_fq_out");  // the FQ's output
  EXPECT_EQ(InputNames(*g, NodeNamed(*g, "relu")),
            (std::vector<std::string>{"x_fq_out"}));
  const graph::Value& zp = ValueNamed(*g, "x_zero_point");
  EXPECT_EQ(zp.kind, graph::ValueKind::kParameter);
  EXPECT_EQ(zp.data.dtype(), DType::kU8);
  EXPECT_EQ(zp.data.rank(), 0);
  EXPECT_EQ(zp.data.data<uint8_t>()[0], 128);
  const graph::Value& s = ValueNamed(*g, "relu_out_scale");
  EXPECT_EQ(s.data.rank(), 0);
  EXPECT_EQ(s.data.data<float>()[0], 0.03125f);
  ASSERT_EQ(g->outputs().size(), 1u);
  EXPECT_EQ(g->value(g->outputs()[0]).name, "y");
  // The FakeQuantize parameters are gone.
  EXPECT_FALSE(g->FindValue("x_fq.scale").ok());
  EXPECT_FALSE(g->FindNode("x_fq").ok());
}

TEST(QdqLower, PerChannelWeightsGetAxis) {
  SimCase c = Case("conv_pc");
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph);
  ASSERT_TRUE(g.ok()) << g.status();
  const graph::Node& q = NodeNamed(*g, "conv.weight_fq_q");
  ASSERT_TRUE(q.attrs.Has("axis"));
  EXPECT_EQ(*q.attrs.GetInt("axis", ""), 0);
  EXPECT_EQ(*NodeNamed(*g, "conv.weight_fq_dq").attrs.GetInt("axis", ""), 0);
  const graph::Value& s = ValueNamed(*g, "conv.weight_scale");
  EXPECT_EQ(s.data.shape().dims(), (std::vector<int64_t>{4}));
  const graph::Value& zp = ValueNamed(*g, "conv.weight_zero_point");
  EXPECT_EQ(zp.data.dtype(), DType::kI8);
  EXPECT_EQ(zp.data.shape().dims(), (std::vector<int64_t>{4}));
  EXPECT_EQ(g->value(q.outputs[0]).type.dtype, DType::kI8);
  // The float weight stays an initializer feeding the QuantizeLinear.
  EXPECT_EQ(ValueNamed(*g, "conv.weight").kind, graph::ValueKind::kParameter);
  EXPECT_EQ(InputNames(*g, NodeNamed(*g, "conv"))[1], "conv.weight_fq_out");
}

TEST(QdqLower, NarrowGridsAreClipped) {
  SimCase c = Case("narrow");
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, {}, &info);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(info.narrow_grid_clips,
            (std::vector<std::string>{"x_fq", "fc.weight_fq", "out_fq"}));
  // Per tensor [-127, 127] in int8: Clip after the DQ, FQ name kept last.
  const graph::Node& clip = NodeNamed(*g, "x_fq_clip");
  EXPECT_EQ(clip.op_type, "Clip");
  EXPECT_EQ(g->value(clip.outputs[0]).name, "x_fq_out");
  EXPECT_EQ(ValueNamed(*g, "x_clip_min").data.data<float>()[0],
            -127.0f * (1.0f / 127));
  // 4-bit [0, 15] z 12 in uint8.
  EXPECT_EQ(ValueNamed(*g, "fc_out_zero_point").data.dtype(), DType::kU8);
  EXPECT_EQ(ValueNamed(*g, "fc_out_clip_min").data.data<float>()[0],
            (0.0f - 12.0f) * 0.1f);
  EXPECT_EQ(ValueNamed(*g, "fc_out_clip_max").data.data<float>()[0],
            (15.0f - 12.0f) * 0.1f);
  // Per-channel 4-bit weights: Max/Min with [8, 1] bounds.
  EXPECT_EQ(NodeNamed(*g, "fc.weight_fq_clip_lo").op_type, "Max");
  EXPECT_EQ(NodeNamed(*g, "fc.weight_fq_clip_hi").op_type, "Min");
  EXPECT_EQ(ValueNamed(*g, "fc.weight_clip_min").data.shape().dims(),
            (std::vector<int64_t>{8, 1}));
  // Without emulation: no clip nodes.
  QdqExportOptions o;
  o.emulate_narrow_grids = false;
  absl::StatusOr<graph::Graph> g2 = LowerToQdqOnnx(c.graph, o);
  ASSERT_TRUE(g2.ok()) << g2.status();
  EXPECT_FALSE(g2->FindNode("x_fq_clip").ok());
  EXPECT_EQ(g2->num_nodes(), 7);
}

TEST(QdqLower, SixteenBitContainers) {
  SimCase c = Case("wide16");
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, {}, &info);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(info.opset, 21);
  EXPECT_EQ(ValueNamed(*g, "x_zero_point").data.dtype(), DType::kU16);
  EXPECT_EQ(ValueNamed(*g, "x_zero_point").data.data<uint16_t>()[0], 32768);
  EXPECT_EQ(ValueNamed(*g, "fc.weight_zero_point").data.dtype(), DType::kI16);
  QdqExportOptions ms;
  ms.sixteen_bit = SixteenBitQdq::kMicrosoftDomain;
  absl::StatusOr<graph::Graph> g2 = LowerToQdqOnnx(c.graph, ms, &info);
  ASSERT_TRUE(g2.ok()) << g2.status();
  EXPECT_EQ(info.opset, 13);
  EXPECT_TRUE(info.uses_microsoft_domain);
  EXPECT_EQ(NodeNamed(*g2, "x_fq_q").op_type, "com.microsoft.QuantizeLinear");
  EXPECT_EQ(NodeNamed(*g2, "x_fq_dq").op_type,
            "com.microsoft.DequantizeLinear");
  QdqExportOptions refuse;
  refuse.sixteen_bit = SixteenBitQdq::kRefuse;
  absl::StatusOr<graph::Graph> g3 = LowerToQdqOnnx(c.graph, refuse);
  EXPECT_EQ(g3.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(g3.status().message().find("'x'"), std::string::npos)
      << g3.status();
}

TEST(QdqLower, BlockwiseUsesOpset21Layout) {
  SimCase c = Case("blockwise");
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, {}, &info);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(info.opset, 21);
  const graph::Node& q = NodeNamed(*g, "fc.weight_fq_q");
  EXPECT_EQ(*q.attrs.GetInt("axis", ""), 1);
  EXPECT_EQ(*q.attrs.GetInt("block_size", ""), 4);
  const Tensor& s = ValueNamed(*g, "fc.weight_scale").data;
  EXPECT_EQ(s.shape().dims(), (std::vector<int64_t>{8, 4}));
  const graph::Value& fq_scale = ValueNamed(c.graph, "fc.weight_fq.scale");
  EXPECT_TRUE(SameBits(*s.Reshape({32}), fq_scale.data));
}

TEST(QdqLower, Int32BiasIsPrequantized) {
  SimCase c = Case("bias32");
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, {}, &info);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(info.prequantized, (std::vector<std::string>{"fc.bias_fq"}));
  EXPECT_FALSE(g->FindNode("fc.bias_fq_q").ok());
  const graph::Node& dq = NodeNamed(*g, "fc.bias_fq_dq");
  EXPECT_EQ(InputNames(*g, dq)[0], "fc.bias_q");
  const Tensor& bq = ValueNamed(*g, "fc.bias_q").data;
  ASSERT_EQ(bq.dtype(), DType::kI32);
  const Tensor& b = ValueNamed(c.graph, "fc.bias").data;
  const float s = ValueNamed(c.graph, "fc.bias_fq.scale").data.data<float>()[0];
  for (int64_t i = 0; i < b.numel(); ++i) {
    EXPECT_EQ(bq.data<int32_t>()[i], std::nearbyint(b.data<float>()[i] / s));
  }
  EXPECT_FALSE(g->FindValue("fc.bias").ok());  // only the integers remain
}

TEST(QdqLower, AllCasesBitExactInQuantsim) {
  if (!qdq_testing::HasRealQdqOps()) {
    std::printf(
        "note: QuantizeLinear/DequantizeLinear not registered in "
        "main; running the test's stand-ins\n");
  }
  for (const SimCase& c : MakeSimCases()) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Tensor> want = RunGraph(c.graph, c.inputs);
    ASSERT_TRUE(want.ok()) << want.status();
    for (bool prequantize : {false, true}) {
      QdqExportOptions o;
      o.prequantize_parameters = prequantize;
      absl::StatusOr<graph::Graph> g = LowerToQdqOnnx(c.graph, o);
      ASSERT_TRUE(g.ok()) << g.status();
      absl::StatusOr<Tensor> got = RunGraph(*g, c.inputs);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(SameBits(*want, *got)) << "prequantize " << prequantize;
    }
    // Through the file: WriteQdqOnnx, ReadOnnx, run.
    const std::string path =
        absl::StrCat(testing::TempDir(), "/", c.name, ".onnx");
    QdqExportInfo info;
    ASSERT_TRUE(WriteQdqOnnx(c.graph, path, {}, &info).ok());
    absl::StatusOr<OnnxModel> m = ReadOnnx(path);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->opset, info.opset);
    absl::StatusOr<Tensor> got = RunGraph(m->graph, c.inputs);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(SameBits(*want, *got));
  }
}

TEST(QdqLower, MicrosoftDomainFileRoundTrip) {
  SimCase c = Case("wide16");
  const std::string path = testing::TempDir() + "/wide16_ms.onnx";
  QdqExportOptions o;
  o.sixteen_bit = SixteenBitQdq::kMicrosoftDomain;
  ASSERT_TRUE(WriteQdqOnnx(c.graph, path, o).ok());
  absl::StatusOr<OnnxModel> m = ReadOnnx(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->opset, 13);
  EXPECT_EQ(m->other_opsets.count("com.microsoft"), 1u);
  EXPECT_EQ(NodeNamed(m->graph, "x_fq_q").op_type,
            "com.microsoft.QuantizeLinear");
  absl::StatusOr<Tensor> want = RunGraph(c.graph, c.inputs);
  absl::StatusOr<Tensor> got = RunGraph(m->graph, c.inputs);
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_TRUE(SameBits(*want, *got));
}

}  // namespace
}  // namespace quantsim::io
