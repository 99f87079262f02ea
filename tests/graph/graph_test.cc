#include "graph/graph.h"

#include "engine/status.h"
#include "graph/executor.h"
#include "graph/shape_inference.h"
#include "gtest/gtest.h"
#include "tests/graph/test_ops.h"

namespace quantsim::graph {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using testing::TestRegistry;

Tensor Vec(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::FromVector(Shape({n}), v).value();
}

TEST(Graph, NamesAreUniqueAndLookupsWork) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {-1, 4}).value();
  EXPECT_FALSE(g.AddInput("x", DType::kF32, {4}).ok());
  EXPECT_FALSE(g.AddInput("bad", DType::kF32, {-2}).ok());
  auto outs = g.AddNode("Relu", {x}, {}, 1, "relu1").value();
  EXPECT_EQ(g.value(outs[0]).name, "relu1:0");
  EXPECT_EQ(g.value(outs[0]).producer, 0);
  EXPECT_FALSE(g.AddNode("Relu", {x}, {}, 1, "relu1").ok());
  EXPECT_FALSE(g.AddNode("Relu", {99}).ok());
  EXPECT_EQ(g.FindValue("relu1:0").value(), outs[0]);
  EXPECT_EQ(g.FindNode("relu1").value(), 0);
  EXPECT_EQ(g.FindValue("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(g.UniqueName("relu1"), "relu1");
}

TEST(Graph, TopologicalOrderDetectsCycles) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2}).value();
  ValueId a = g.AddNode("Relu", {x}, {}, 1, "a").value()[0];
  ValueId b = g.AddNode("Relu", {a}, {}, 1, "b").value()[0];
  EXPECT_EQ(g.TopologicalOrder().value(), (std::vector<NodeId>{0, 1}));
  ASSERT_TRUE(g.SetNodeInput(0, 0, b).ok());  // a <- b <- a
  absl::StatusOr<std::vector<NodeId>> order = g.TopologicalOrder();
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("cycle"), absl::string_view::npos);
}

TEST(ShapeInference, ErrorsNameTheNode) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2, 3}).value();
  ValueId y = g.AddInput("y", DType::kF32, {3, 5}).value();
  g.AddNode("MatMul", {x, x}, {}, 1, "mm_bad").value();
  absl::Status s = InferShapes(g, TestRegistry());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("MatMul 'mm_bad'"), absl::string_view::npos) << s;

  Graph g2;
  x = g2.AddInput("x", DType::kF32, {2, 3}).value();
  y = g2.AddInput("y", DType::kF32, {3, 5}).value();
  ValueId z = g2.AddNode("MatMul", {x, y}).value()[0];
  ASSERT_TRUE(InferShapes(g2, TestRegistry()).ok());
  EXPECT_EQ(g2.value(z).type.ToString(), "f32[2, 5]");
  g2.AddNode("Frobnicate", {z}, {}, 1, "weird").value();
  s = InferShapes(g2, TestRegistry());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(s.message().find("weird"), absl::string_view::npos);

  Graph g3;
  x = g3.AddInput("x", DType::kF32, {2}).value();
  g3.AddNode("Add", {x}, {}, 1, "unary_add").value();  // arity 2 expected
  s = InferShapes(g3, TestRegistry());
  EXPECT_NE(s.message().find("unary_add"), absl::string_view::npos);
  Graph g4;
  x = g4.AddInput("x", DType::kF32, {2, 2}).value();
  g4.AddNode("MatMul", {x, x}, {{"ta", 1.5f}}, 1, "mm_attr").value();
  s = InferShapes(g4, TestRegistry());
  EXPECT_NE(s.message().find("'ta' must be int"), absl::string_view::npos) << s;
}

TEST(Executor, RunsAndChecksInputs) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {3}).value();
  ValueId w = g.AddParameter("w", Vec({2, -3, 4})).value();
  ValueId xw = g.AddNode("Mul", {x, w}).value()[0];
  ValueId y = g.AddNode("Relu", {xw}).value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  auto cg = CompiledGraph::Compile(g, TestRegistry()).value();
  engine::Context ctx({/*num_threads=*/1});
  RunResult r = cg->Run(ctx, {Vec({1, 1, -1})}).value();
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].data<float>()[0], 2.0f);
  EXPECT_EQ(r.outputs[0].data<float>()[1], 0.0f);
  EXPECT_EQ(r.outputs[0].data<float>()[2], 0.0f);

  EXPECT_EQ(cg->Run(ctx, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor i32 = Tensor::Zeros(Shape({3}), DType::kI32).value();
  absl::Status s = cg->Run(ctx, {i32}).status();
  EXPECT_NE(s.message().find("input 'x'"), absl::string_view::npos) << s;
  s = cg->Run(ctx, {Vec({1, 2})}).status();
  EXPECT_NE(s.message().find("expects f32[3], got f32[2]"),
            absl::string_view::npos)
      << s;
}

TEST(Executor, ObserverSeesEveryOutputAndFetchKeepsValues) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2}).value();
  ValueId a = g.AddNode("Relu", {x}).value()[0];
  ValueId b = g.AddNode("Add", {a, a}).value()[0];
  ValueId c = g.AddNode("Relu", {b}).value()[0];
  ASSERT_TRUE(g.AddOutput(c).ok());
  auto cg = CompiledGraph::Compile(g, TestRegistry()).value();
  engine::Context ctx({1});
  std::vector<ValueId> seen;
  RunOptions opts;
  opts.observer = [&](ValueId v, const Tensor&) {
    seen.push_back(v);
    return absl::OkStatus();
  };
  opts.fetch = {a};
  RunResult r = cg->Run(ctx, {Vec({-1, 3})}, opts).value();
  EXPECT_EQ(seen, (std::vector<ValueId>{a, b, c}));
  ASSERT_EQ(r.fetched.size(), 1u);
  EXPECT_EQ(r.fetched[0].data<float>()[1], 3.0f);
  EXPECT_EQ(r.outputs[0].data<float>()[1], 6.0f);
  // An observer error stops the run and comes back.
  opts.observer = [](ValueId, const Tensor&) {
    return absl::CancelledError("stop");
  };
  EXPECT_EQ(cg->Run(ctx, {Vec({-1, 3})}, opts).status().code(),
            absl::StatusCode::kCancelled);
}

TEST(Executor, ReusesBuffersOfDeadValues) {
  Graph g;
  ValueId v = g.AddInput("x", DType::kF32, {1 << 16}).value();
  for (int i = 0; i < 20; ++i) v = g.AddNode("Relu", {v}).value()[0];
  ASSERT_TRUE(g.AddOutput(v).ok());
  auto cg = CompiledGraph::Compile(g, TestRegistry()).value();
  engine::Context ctx({1});
  Tensor x = Tensor::Zeros(Shape({1 << 16}), DType::kF32).value();
  RunResult r = cg->Run(ctx, {x}).value();
  // A chain needs two live buffers, not twenty.
  EXPECT_LE(r.peak_bytes, 2 * (1 << 16) * 4);
  EXPECT_GT(r.peak_bytes, 0);
}

}  // namespace
}  // namespace quantsim::graph
