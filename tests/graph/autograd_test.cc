#include "graph/autograd.h"

#include "graph/executor.h"
#include "gtest/gtest.h"
#include "tests/graph/test_ops.h"

namespace quantsim::graph {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

Tensor Mat(int64_t r, int64_t c, std::vector<float> v) {
  return Tensor::FromVector(Shape({r, c}), v).value();
}

// loss = sum(relu(x w) * (x w)): x w has two consumers, so its gradient is
// accumulated through an explicit Add.
struct Fixture {
  Graph g;
  ValueId x, w, loss;
  Fixture() {
    x = g.AddInput("x", DType::kF32, {2, 3}).value();
    w = g.AddParameter("w", Mat(3, 2, {0.5f, -1, 2, 0.25f, -0.75f, 1.5f}))
            .value();
    ValueId xw = g.AddNode("MatMul", {x, w}, {}, 1, "mm").value()[0];
    ValueId r = g.AddNode("Relu", {xw}, {}, 1, "relu").value()[0];
    ValueId p = g.AddNode("Mul", {r, xw}, {}, 1, "mul").value()[0];
    loss = g.AddNode("SumAll", {p}, {}, 1, "loss").value()[0];
    (void)g.AddOutput(loss);
  }
};

double LossAt(const Fixture& f, const Tensor& x, const Tensor& w) {
  Graph g = f.g;
  EXPECT_TRUE(g.SetValueData(f.w, w).ok());
  auto cg = CompiledGraph::Compile(g, testing::TestRegistry()).value();
  engine::Context ctx({1});
  return cg->Run(ctx, {x}).value().outputs[0].data<float>()[0];
}

TEST(Autograd, GradientsMatchFiniteDifferencesAndAccumulate) {
  Fixture f;
  Tensor x = Mat(2, 3, {1, -2, 0.5f, 0.3f, 0.7f, -1.1f});
  BackwardGraph bg =
      BuildBackward(f.g, f.loss, {f.w, f.x}, testing::TestRegistry()).value();
  ASSERT_EQ(bg.grads.size(), 2u);
  ASSERT_NE(bg.grads[0], kNoValue);
  int adds = 0;
  for (NodeId n = 0; n < bg.graph.num_nodes(); ++n) {
    adds += bg.graph.node(n).op_type == "Add";
  }
  EXPECT_EQ(adds, 1);  // the two uses of x w
  auto cg = CompiledGraph::Compile(bg.graph, testing::TestRegistry()).value();
  engine::Context ctx({1});
  RunOptions opts;
  opts.fetch = bg.grads;
  RunResult r = cg->Run(ctx, {x}, opts).value();
  const Tensor& dw = r.fetched[0];
  ASSERT_EQ(dw.shape(), Shape({3, 2}));
  const double h = 1e-2;  // loss is piecewise quadratic: central FD is exact
  for (int i = 0; i < 6; ++i) {
    Tensor wp = f.g.value(f.w).data.Clone().value();
    Tensor wm = f.g.value(f.w).data.Clone().value();
    wp.data<float>()[i] += h;
    wm.data<float>()[i] -= h;
    const double fd = (LossAt(f, x, wp) - LossAt(f, x, wm)) / (2 * h);
    EXPECT_NEAR(dw.data<float>()[i], fd, 2e-3) << i;
  }
  EXPECT_EQ(r.fetched[1].shape(), Shape({2, 3}));
}

TEST(Autograd, UnrelatedParameterHasNoGradient) {
  Fixture f;
  ValueId other = f.g.AddParameter("unused", Mat(1, 1, {1.0f})).value();
  BackwardGraph bg =
      BuildBackward(f.g, f.loss, {other}, testing::TestRegistry()).value();
  EXPECT_EQ(bg.grads[0], kNoValue);
}

TEST(Autograd, NonDifferentiableOnPathIsUnimplemented) {
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2}).value();
  ValueId d = g.AddNode("ReluGrad", {x, x}, {}, 1, "rg").value()[0];
  ValueId loss = g.AddNode("SumAll", {d}).value()[0];
  absl::StatusOr<BackwardGraph> bg =
      BuildBackward(g, loss, {x}, testing::TestRegistry());
  ASSERT_FALSE(bg.ok());
  EXPECT_EQ(bg.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(bg.status().message().find("'rg'"), absl::string_view::npos);
}

}  // namespace
}  // namespace quantsim::graph
