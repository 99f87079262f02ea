// Graph-level checks of the normalization and pooling ops that the OpCase
// harness cannot express: BatchNormalization's in-place running statistics
// in training runs (hand-computed), MaxPool's ONNX Indices and the backward
// through them, LayerNorm's saved statistics in the backward, shape
// inference with unknown dims, and errors naming the node.
#include <vector>

#include "engine/context.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "graph/shape_inference.h"
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
std::vector<float> Vals(const Tensor& t) {
  Tensor c = t.Contiguous().value();
  return std::vector<float>(c.data<float>(), c.data<float>() + c.numel());
}

// X [N=2, C=2, S=2]: channel 0 holds {1, 3, 5, 7} (mean 4, biased var 5,
// unbiased 20/3), channel 1 {0, 0, 2, 2} (mean 1, var 1, unbiased 4/3).
struct BnGraph {
  graph::Graph g;
  ValueId x, mean, var;
  std::vector<ValueId> outs;
};
BnGraph MakeBn(graph::Attributes attrs, int num_outputs) {
  BnGraph b;
  b.x = b.g.AddInput("x", DType::kF32, {2, 2, 2}).value();
  ValueId scale = b.g.AddParameter("scale", F32({2}, {1, 1})).value();
  ValueId bias = b.g.AddParameter("bias", F32({2}, {0, 0})).value();
  b.mean = b.g.AddParameter("mean", F32({2}, {0, 10}), false).value();
  b.var = b.g.AddParameter("var", F32({2}, {1, 1}), false).value();
  b.outs = b.g.AddNode("BatchNormalization", {b.x, scale, bias, b.mean, b.var},
                       attrs, num_outputs, "bn")
               .value();
  for (ValueId o : b.outs) EXPECT_TRUE(b.g.AddOutput(o).ok());
  return b;
}
const Tensor kX = F32({2, 2, 2}, {1, 3, 0, 0, 5, 7, 2, 2});

void ExpectVals(const std::vector<float>& got,
                const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 2e-6 * std::max(1.0, std::fabs(want[i])))
        << "element " << i;
  }
}

TEST(BatchNormGraph, TrainingRunsUpdateRunningStatsInPlace) {
  BnGraph b = MakeBn({}, 1);  // ONNX defaults: momentum 0.9, eps 1e-5
  auto cg = graph::CompiledGraph::Compile(b.g, BuiltinOps()).value();
  engine::Context ctx({2});
  graph::RunOptions train;
  train.training = true;
  auto r = cg->Run(ctx, {kX}, train);
  ASSERT_TRUE(r.ok()) << r.status();
  // Batch statistics normalize Y.
  ExpectVals(Vals(r->outputs[0]),
             {-3 / std::sqrt(5 + 1e-5), -1 / std::sqrt(5 + 1e-5),
              -1 / std::sqrt(1 + 1e-5), -1 / std::sqrt(1 + 1e-5),
              1 / std::sqrt(5 + 1e-5), 3 / std::sqrt(5 + 1e-5),
              1 / std::sqrt(1 + 1e-5), 1 / std::sqrt(1 + 1e-5)});
  // running = 0.9 running + 0.1 batch (biased variance, ONNX).
  const Tensor& mean = cg->graph().value(b.mean).data;
  const Tensor& var = cg->graph().value(b.var).data;
  ExpectVals(Vals(mean), {0.4, 9.1});
  ExpectVals(Vals(var), {1.4, 1.0});
  ASSERT_TRUE(cg->Run(ctx, {kX}, train).ok());
  ExpectVals(Vals(mean), {0.76, 8.29});
  ExpectVals(Vals(var), {1.76, 1.0});
  // The model's own parameter tensor (shared storage) saw the update.
  ExpectVals(Vals(b.g.value(b.mean).data), {0.76, 8.29});
  // An inference run uses the running statistics and writes nothing.
  auto inf = cg->Run(ctx, {kX});
  ASSERT_TRUE(inf.ok()) << inf.status();
  EXPECT_NEAR(Vals(inf->outputs[0])[0], (1 - 0.76) / std::sqrt(1.76 + 1e-5),
              1e-6);
  EXPECT_NEAR(Vals(inf->outputs[0])[2], (0 - 8.29) / std::sqrt(1.0 + 1e-5),
              1e-5);
  ExpectVals(Vals(mean), {0.76, 8.29});
  ExpectVals(Vals(var), {1.76, 1.0});
}

TEST(BatchNormGraph, PyTorchUnbiasedRunningVarAndOutputs) {
  BnGraph b = MakeBn({{"momentum", 0.9f},
                      {"training_mode", int64_t{1}},
                      {"unbiased_running_var", int64_t{1}}},
                     3);
  auto cg = graph::CompiledGraph::Compile(b.g, BuiltinOps()).value();
  engine::Context ctx({2});
  // training_mode = 1 in an inference run: new statistics only as outputs.
  auto r = cg->Run(ctx, {kX});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectVals(Vals(r->outputs[1]), {0.4, 9.1});
  ExpectVals(Vals(r->outputs[2]), {0.9 + 0.1 * 20 / 3.0, 0.9 + 0.1 * 4 / 3.0});
  ExpectVals(Vals(cg->graph().value(b.mean).data), {0, 10});
  ExpectVals(Vals(cg->graph().value(b.var).data), {1, 1});
  // A training run writes the parameters and returns copies of them.
  graph::RunOptions train;
  train.training = true;
  r = cg->Run(ctx, {kX}, train);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectVals(Vals(cg->graph().value(b.mean).data), {0.4, 9.1});
  ExpectVals(Vals(cg->graph().value(b.var).data),
             {0.9 + 0.1 * 20 / 3.0, 0.9 + 0.1 * 4 / 3.0});
  EXPECT_FALSE(r->outputs[1].SharesStorageWith(cg->graph().value(b.mean).data));
  ExpectVals(Vals(r->outputs[1]), {0.4, 9.1});
}

TEST(BatchNormGraph, BackwardGraphUpdatesOncePerStep) {
  BnGraph b = MakeBn({}, 1);
  auto bg = graph::BuildBackward(b.g, b.outs[0], {b.x}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps()).value();
  engine::Context ctx({2});
  graph::RunOptions train;
  train.training = true;
  train.fetch = bg->grads;
  auto r = cg->Run(ctx, {kX}, train);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectVals(Vals(b.g.value(b.mean).data), {0.4, 9.1});
  // d sum(Y) / dX = 0 with batch statistics (the mean absorbs a shift).
  for (float v : Vals(r->fetched[0])) EXPECT_NEAR(v, 0.0f, 1e-6f);
}

TEST(MaxPoolGraph, OnnxIndicesAndBackwardThroughThem) {
  // x [1, 2, 2, 3]; kernel 2x2, stride 1 -> y [1, 2, 1, 2].
  const Tensor x = F32({1, 2, 2, 3}, {1, 5, 2, 3, 0, 4, 0, 1, 2, 9, 3, 8});
  std::vector<float> dx[2];
  for (int outs : {2, 1}) {
    graph::Graph g;
    ValueId xi = g.AddInput("x", DType::kF32, {1, 2, 2, 3}).value();
    auto o =
        g.AddNode("MaxPool", {xi},
                  {{"kernel_shape", std::vector<int64_t>{2, 2}}}, outs, "pool")
            .value();
    for (ValueId v : o) ASSERT_TRUE(g.AddOutput(v).ok());
    auto bg = graph::BuildBackward(g, o[0], {xi}, BuiltinOps());
    ASSERT_TRUE(bg.ok()) << bg.status();
    auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps()).value();
    engine::Context ctx({2});
    graph::RunOptions opts;
    opts.fetch = bg->grads;
    auto r = cg->Run(ctx, {x}, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Vals(r->outputs[0]), (std::vector<float>{5, 5, 9, 8}));
    if (outs == 2) {
      const Tensor& idx = r->outputs[1];
      ASSERT_EQ(idx.dtype(), DType::kI64);
      // Flat over the whole tensor: plane 1 starts at 6.
      EXPECT_EQ(
          std::vector<int64_t>(idx.data<int64_t>(), idx.data<int64_t>() + 4),
          (std::vector<int64_t>{1, 1, 9, 11}));
    }
    dx[outs - 1] = Vals(r->fetched[0]);
  }
  EXPECT_EQ(dx[1], (std::vector<float>{0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
  EXPECT_EQ(dx[0], dx[1]);  // recomputed indices == saved indices
}

TEST(LayerNormGraph, SavedStatisticsGiveTheSameGradients) {
  std::vector<std::vector<float>> grads[2];
  const Tensor x =
      F32({3, 4}, {0.5f, -1, 2, 0.25f, 3, 1, -2, 0.75f, 1, 1.5f, -0.5f, 4});
  for (int outs : {3, 1}) {
    graph::Graph g;
    ValueId xi = g.AddInput("x", DType::kF32, {3, 4}).value();
    ValueId s = g.AddParameter("s", F32({4}, {1, 2, -1, 0.5f})).value();
    ValueId bi = g.AddParameter("b", F32({4}, {0, 1, 2, 3})).value();
    auto o =
        g.AddNode("LayerNormalization", {xi, s, bi}, {}, outs, "ln").value();
    auto bg = graph::BuildBackward(g, o[0], {xi, s, bi}, BuiltinOps());
    ASSERT_TRUE(bg.ok()) << bg.status();
    auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps()).value();
    engine::Context ctx({2});
    graph::RunOptions opts;
    opts.fetch = bg->grads;
    auto r = cg->Run(ctx, {x}, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const Tensor& t : r->fetched) grads[outs == 3].push_back(Vals(t));
  }
  ASSERT_EQ(grads[0].size(), 3u);
  EXPECT_EQ(grads[0], grads[1]);  // bit-identical statistics
  EXPECT_EQ(grads[0][2], (std::vector<float>{3, 3, 3, 3}));  // dB = sum dy
}

TEST(NormPoolShapes, UnknownDims) {
  graph::Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {-1, 3, 8, -1}).value();
  ValueId t = g.AddInput("t", DType::kF32, {-1, 4, 6}).value();
  ValueId c3 = g.AddInput("c", DType::kF32, {3}).value();
  auto mp = g.AddNode("MaxPool", {x},
                      {{"kernel_shape", std::vector<int64_t>{2, 2}},
                       {"strides", std::vector<int64_t>{2, 2}}},
                      2, "mp")
                .value();
  auto ap = g.AddNode("AveragePool", {x},
                      {{"kernel_shape", std::vector<int64_t>{3, 1}},
                       {"auto_pad", std::string("SAME_UPPER")}},
                      1, "ap")
                .value();
  auto gp = g.AddNode("GlobalAveragePool", {x}, {}, 1, "gp").value();
  auto ln =
      g.AddNode("LayerNormalization", {t, t}, {{"axis", int64_t{-1}}}, 3, "ln")
          .value();
  auto bn =
      g.AddNode("BatchNormalization", {x, c3, c3, c3, c3}, {}, 1, "bn").value();
  ASSERT_TRUE(graph::InferShapes(g, BuiltinOps()).ok());
  auto dims = [&](ValueId v) { return g.value(v).type.dims; };
  using D = std::vector<int64_t>;
  EXPECT_EQ(dims(mp[0]), (D{-1, 3, 4, -1}));
  EXPECT_EQ(g.value(mp[1]).type.dtype, DType::kI64);
  EXPECT_EQ(dims(ap[0]), (D{-1, 3, 8, -1}));
  EXPECT_EQ(dims(gp[0]), (D{-1, 3, 1, 1}));
  EXPECT_EQ(dims(ln[1]), (D{-1, 4, 1}));
  EXPECT_EQ(dims(ln[2]), (D{-1, 4, 1}));
  EXPECT_EQ(dims(bn[0]), (D{-1, 3, 8, -1}));
}

void ExpectErrorNaming(graph::Graph g, const std::string& who) {
  absl::Status s = graph::InferShapes(g, BuiltinOps());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(who), std::string::npos) << s;
}

TEST(NormPoolShapes, ErrorsNameTheNode) {
  {
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {1, 3, 8}).value();
    ASSERT_TRUE(g.AddNode("MaxPool", {x},
                          {{"kernel_shape", std::vector<int64_t>{2, 2}}}, 1,
                          "pool1")
                    .ok());
    ExpectErrorNaming(g, "MaxPool 'pool1'");
  }
  {
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {1, 6, 8}).value();
    ValueId c = g.AddInput("c", DType::kF32, {6}).value();
    ASSERT_TRUE(g.AddNode("GroupNormalization", {x, c, c},
                          {{"num_groups", int64_t{4}}}, 1, "gn")
                    .ok());
    ExpectErrorNaming(g, "GroupNormalization 'gn'");
  }
  {
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {2, 3, 4}).value();
    ValueId c = g.AddInput("c", DType::kF32, {4}).value();
    ASSERT_TRUE(
        g.AddNode("BatchNormalization", {x, c, c, c, c}, {}, 1, "bn").ok());
    ExpectErrorNaming(g, "BatchNormalization 'bn'");
  }
  {  // extra outputs without training_mode (ONNX)
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {2, 3, 4}).value();
    ValueId c = g.AddInput("c", DType::kF32, {3}).value();
    ASSERT_TRUE(
        g.AddNode("BatchNormalization", {x, c, c, c, c}, {}, 3, "bn2").ok());
    ExpectErrorNaming(g, "BatchNormalization 'bn2'");
  }
  {  // pads as large as the kernel: caught at run time, naming the node
    graph::Graph g;
    ValueId x = g.AddInput("x", DType::kF32, {1, 1, 4, 4}).value();
    auto y = g.AddNode("MaxPool", {x},
                       {{"kernel_shape", std::vector<int64_t>{2, 2}},
                        {"pads", std::vector<int64_t>{2, 0, 0, 0}}},
                       1, "p")
                 .value();
    ASSERT_TRUE(g.AddOutput(y[0]).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
    ASSERT_TRUE(cg.ok()) << cg.status();
    engine::Context ctx({1});
    auto r = (*cg)->Run(
        ctx, {Tensor::Zeros(Shape({1, 1, 4, 4}), DType::kF32).value()});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("MaxPool 'p'"), std::string::npos)
        << r.status();
  }
}

}  // namespace
}  // namespace quantsim::ops
