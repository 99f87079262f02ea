// QuantizeLinear / DequantizeLinear and friends at the graph level:
// Q -> DQ equals FakeQuantize (half to even) bit for bit (per tensor, per
// axis, blocked); hand-computed values incl. ties and saturation; the STE
// gradient of a Q -> DQ pair; errors naming the node; and two PyTorch QAT
// models exported as QDQ (opset 13) reproduced from their saved outputs.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/npy.h"
#include "export/onnx.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::ValueId;

Tensor F32(const Shape& s, const std::vector<float>& v) {
  return Tensor::FromVector<float>(s, v).value();
}
template <typename T>
Tensor Ints(const Shape& s, const std::vector<T>& v) {
  return Tensor::FromVector<T>(s, v).value();
}
Tensor Random(const Shape& s, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(s.NumElements());
  for (float& f : v) f = u(rng);
  return F32(s, v);
}

absl::StatusOr<graph::RunResult> RunGraph(const graph::Graph& g,
                                          const std::vector<Tensor>& in,
                                          graph::RunOptions opts = {}) {
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  if (!cg.ok()) return cg.status();
  engine::Context ctx({2});
  return (*cg)->Run(ctx, in, opts);
}

// QDQ graph and FakeQuantize graph over the same x; outputs compared bitwise.
void ExpectQdqEqualsFakeQuantize(const Shape& xs, Tensor scale, Tensor zp,
                                 graph::Attributes qdq_attrs, int64_t qmin,
                                 int64_t qmax, const std::string& label) {
  SCOPED_TRACE(label);
  const Tensor x = Random(xs, 7, -3.0f, 3.0f);
  graph::Graph g;
  ValueId xi = g.AddInput("x", DType::kF32, xs.dims()).value();
  ValueId s = g.AddConstant("s", scale).value();
  ValueId z = g.AddConstant("z", zp).value();
  ValueId q = g.AddNode("QuantizeLinear", {xi, s, z}, qdq_attrs).value()[0];
  ValueId y = g.AddNode("DequantizeLinear", {q, s, z}, qdq_attrs).value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  // FakeQuantize takes f32 zero points.
  Tensor zf = Tensor::Empty(zp.shape(), DType::kF32).value();
  for (int64_t i = 0; i < zp.numel(); ++i) {
    zf.data<float>()[i] =
        zp.dtype() == DType::kU8 ? zp.data<uint8_t>()[i] : zp.data<int8_t>()[i];
  }
  graph::Attributes fq = {{"qmin", qmin}, {"qmax", qmax}};
  if (qdq_attrs.Has("axis") || qdq_attrs.Has("block_size")) {
    fq.Set("axis", qdq_attrs.GetIntOr("axis", 1, "").value());
  }
  if (qdq_attrs.Has("block_size")) {
    fq.Set("block_size", qdq_attrs.GetInt("block_size", "").value());
  }
  ValueId sf = g.AddConstant("sf", scale).value();
  ValueId zfv = g.AddConstant("zf", zf).value();
  ValueId y2 = g.AddNode("FakeQuantize", {xi, sf, zfv}, fq).value()[0];
  ASSERT_TRUE(g.AddOutput(y2).ok());
  auto r = RunGraph(g, {x});
  ASSERT_TRUE(r.ok()) << r.status();
  const float* a = r->outputs[0].data<float>();
  const float* b = r->outputs[1].data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0)
        << "element " << i << ": " << a[i] << " vs " << b[i];
  }
}

TEST(QuantizeLinear, QdqEqualsFakeQuantizeBitForBit) {
  ExpectQdqEqualsFakeQuantize({4, 5, 6}, F32({1}, {0.037f}),
                              Ints<int8_t>({1}, {3}), {}, -128, 127,
                              "per tensor int8");
  ExpectQdqEqualsFakeQuantize({4, 5, 6},
                              F32({5}, {0.01f, 0.02f, 0.03f, 0.05f, 0.013f}),
                              Ints<uint8_t>({5}, {0, 10, 128, 200, 255}),
                              {{"axis", int64_t{1}}}, 0, 255, "axis 1 uint8");
  // Blocked (opset 21): blocks of 4 along axis 1 of [3, 10] -> 3 blocks.
  std::vector<float> sv(9);
  std::vector<int8_t> zv(9);
  for (int i = 0; i < 9; ++i) sv[i] = 0.01f * (i + 1), zv[i] = i - 4;
  ExpectQdqEqualsFakeQuantize(
      {3, 10}, F32({3, 3}, sv), Ints<int8_t>({3, 3}, zv),
      {{"axis", int64_t{1}}, {"block_size", int64_t{4}}}, -128, 127, "blocked");
}

TEST(QuantizeLinear, TiesRoundHalfToEvenAndSaturate) {
  graph::Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {8}).value();
  ValueId s = g.AddConstant("s", F32({}, {0.5f})).value();
  ValueId z = g.AddConstant("z", Ints<int8_t>({}, {1})).value();
  ValueId q = g.AddNode("QuantizeLinear", {x, s, z}).value()[0];
  ASSERT_TRUE(g.AddOutput(q).ok());
  // x / 0.5: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0, -1.5 -> -2; +1.
  auto r = RunGraph(
      g,
      {F32({8}, {0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 1000.f, -1000.f, 0.0f})});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->outputs[0].dtype(), DType::kI8);
  const int8_t* o = r->outputs[0].data<int8_t>();
  const std::vector<int> want = {1, 3, 3, 1, -1, 127, -128, 1};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(o[i], want[i]) << i;
}

TEST(QuantizeLinear, NoZeroPointGivesUint8AndDequantizeInt32) {
  graph::Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {3}).value();
  ValueId s = g.AddConstant("s", F32({}, {2.0f})).value();
  ValueId q = g.AddNode("QuantizeLinear", {x, s}).value()[0];
  ValueId qi = g.AddConstant("qi", Ints<int32_t>({2}, {-7, 100000})).value();
  ValueId zi = g.AddConstant("zi", Ints<int32_t>({}, {3})).value();
  ValueId d = g.AddNode("DequantizeLinear", {qi, s, zi}).value()[0];
  ASSERT_TRUE(g.AddOutput(q).ok());
  ASSERT_TRUE(g.AddOutput(d).ok());
  auto r = RunGraph(g, {F32({3}, {-5.0f, 7.0f, 600.0f})});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->outputs[0].dtype(), DType::kU8);
  EXPECT_EQ(r->outputs[0].data<uint8_t>()[0], 0);
  EXPECT_EQ(r->outputs[0].data<uint8_t>()[1], 4);  // 3.5 -> 4
  EXPECT_EQ(r->outputs[0].data<uint8_t>()[2], 255);
  EXPECT_EQ(r->outputs[1].data<float>()[0], -20.0f);
  EXPECT_EQ(r->outputs[1].data<float>()[1], 199994.0f);
}

TEST(QuantizeLinear, UnsupportedTypesAndBadScalesNameTheNode) {
  for (int64_t dt : {21, 22, 17}) {
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {3}).value();
    ValueId s = g.AddConstant("s", F32({}, {2.0f})).value();
    ValueId q =
        g.AddNode("QuantizeLinear", {x, s}, {{"output_dtype", dt}}, 1, "qnode")
            .value()[0];
    ASSERT_TRUE(g.AddOutput(q).ok());
    auto r = RunGraph(g, {F32({3}, {1, 2, 3})});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented) << dt;
    EXPECT_NE(r.status().message().find("qnode"), std::string::npos);
  }
  graph::Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2, 3}).value();
  ValueId s = g.AddConstant("s", F32({2}, {1.0f, 2.0f})).value();
  ValueId q =
      g.AddNode("QuantizeLinear", {x, s}, {{"axis", int64_t{1}}}, 1, "qaxis")
          .value()[0];
  ASSERT_TRUE(g.AddOutput(q).ok());
  auto r = RunGraph(g, {F32({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("qaxis"), std::string::npos);
}

// L = sum(DQ(Q(w)) * r): dL/dw = r where w quantizes inside the grid, else 0.
TEST(QuantizeLinear, QdqPairBackwardIsTheSte) {
  graph::Graph g;
  const Tensor wv = F32({6}, {0.1f, -0.3f, 0.26f, 5.0f, -5.0f, 1.27f});
  const Tensor rv = F32({6}, {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 0.7f});
  ValueId w = g.AddParameter("w", wv).value();
  ValueId rr = g.AddInput("r", DType::kF32, {6}).value();
  ValueId s = g.AddConstant("s", F32({}, {0.01f})).value();
  ValueId z = g.AddConstant("z", Ints<int8_t>({}, {0})).value();
  ValueId q = g.AddNode("QuantizeLinear", {w, s, z}).value()[0];
  ValueId d = g.AddNode("DequantizeLinear", {q, s, z}).value()[0];
  ValueId m = g.AddNode("Mul", {d, rr}).value()[0];
  ValueId l =
      g.AddNode("ReduceSum", {m}, {{"keepdims", int64_t{0}}}).value()[0];
  ASSERT_TRUE(g.AddOutput(l).ok());
  auto bg = graph::BuildBackward(g, l, {w}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  auto r = RunGraph(bg->graph, {rv}, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  const float* dw = r->fetched[0].data<float>();
  // 1.27 / 0.01 = 127 is inside; 5 and -5 saturate.
  const std::vector<float> want = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.7f};
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(dw[i], want[i], 1e-7 * std::fabs(want[i])) << i;
  }
}

void ExpectTorchModel(const std::string& model, const std::string& out) {
  const std::string dir = "tests/data/torch_qdq/";
  auto m = io::ReadOnnx(dir + model);
  ASSERT_TRUE(m.ok()) << m.status();
  auto x = engine::ReadNpy(dir + "qat_in.npy");
  auto want = engine::ReadNpy(dir + out);
  ASSERT_TRUE(x.ok() && want.ok());
  auto r = RunGraph(m->graph, {*x});
  ASSERT_TRUE(r.ok()) << r.status();
  const Tensor& y = r->outputs[0];
  ASSERT_EQ(y.shape(), want->shape());
  int differ = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    const float a = y.data<float>()[i], b = want->data<float>()[i];
    differ += a != b;
    // The output is on the last QDQ's grid: equal, or at worst one step
    // apart where float accumulation order moved a value across a tie.
    EXPECT_NEAR(a, b, 1e-6 + 1e-6 * std::fabs(b)) << model << " element " << i;
  }
  EXPECT_EQ(differ, 0) << model;
}

TEST(TorchQdq, PerTensorQatModelReproduced) {
  ExpectTorchModel("qat_pt_qdq_op13.onnx", "qat_pt_out.npy");
}

TEST(TorchQdq, PerChannelQatModelReproduced) {
  ExpectTorchModel("qat_pc_qdq_op13.onnx", "qat_pc_out.npy");
}

}  // namespace
}  // namespace quantsim::ops
