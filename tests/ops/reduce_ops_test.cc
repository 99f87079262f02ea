// ReduceSum/Mean/Max/Min (axes as attribute or int64 input, keepdims,
// noop_with_empty_axes) and ArgMax: double references, FD gradients.
#include <cmath>
#include <functional>
#include <limits>

#include "engine/tensor.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

// Reduces x over `axes` (already non-negative; empty = all) with `op`.
DArray ReduceRef(const DArray& x, std::vector<int64_t> axes, bool keepdims,
                 const std::string& op) {
  const int r = static_cast<int>(x.dims.size());
  if (axes.empty()) {
    for (int i = 0; i < r; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) a = a < 0 ? a + r : a;
  std::vector<bool> red(r, false);
  for (int64_t a : axes) red[a] = true;
  std::vector<int64_t> kept, out;
  for (int i = 0; i < r; ++i) {
    kept.push_back(red[i] ? 1 : x.dims[i]);
    if (!red[i]) out.push_back(x.dims[i]);
    if (red[i] && keepdims) out.push_back(1);
  }
  const double init = op == "Max"   ? -std::numeric_limits<double>::infinity()
                      : op == "Min" ? std::numeric_limits<double>::infinity()
                                    : 0.0;
  DArray y{out, std::vector<double>(NumElements(kept), init)};
  std::vector<int64_t> count(y.numel(), 0);
  const auto xs = Strides(x.dims);
  const auto ks = Strides(kept);
  for (int64_t n = 0; n < x.numel(); ++n) {
    int64_t o = 0;
    for (int i = 0; i < r; ++i) {
      if (!red[i]) o += ((n / xs[i]) % x.dims[i]) * ks[i];
    }
    double& acc = y.v[o];
    acc = op == "Max"   ? std::max(acc, x.v[n])
          : op == "Min" ? std::min(acc, x.v[n])
                        : acc + x.v[n];
    ++count[o];
  }
  if (op == "Mean") {
    for (int64_t i = 0; i < y.numel(); ++i) y.v[i] /= count[i];
  }
  return y;
}

Tensor Axes(std::vector<int64_t> v) {
  return Tensor::FromVector(Shape({static_cast<int64_t>(v.size())}), v).value();
}

struct ReduceCase {
  std::vector<int64_t> axes;
  bool keepdims;
  bool as_input;
};

TEST(ReduceOps, AllOpsAxesKeepdims) {
  const std::vector<ReduceCase> cases = {
      {{1}, true, false},   {{1}, false, true},      {{-1, 0}, false, false},
      {{0, 2}, true, true}, {{}, true, false},       {{}, false, true},
      {{2}, false, false},  {{0, 1, 2}, true, true},
  };
  for (const std::string op : {"Sum", "Mean", "Max", "Min"}) {
    for (const ReduceCase& rc : cases) {
      OpCase c;
      c.op = "Reduce" + op;
      c.shapes = {{3, 4, 5}};
      if (!rc.keepdims) c.attrs.Set("keepdims", int64_t{0});
      if (rc.as_input) {
        c.constants = {Axes(rc.axes)};
      } else if (!rc.axes.empty()) {
        c.attrs.Set("axes", rc.axes);
      }
      c.reference = [rc, op](const std::vector<DArray>& in) {
        return std::vector<DArray>{ReduceRef(in[0], rc.axes, rc.keepdims, op)};
      };
      c.grad_inputs = {0};
      std::string label = c.op + " axes";
      for (int64_t a : rc.axes) label += " " + std::to_string(a);
      label += rc.keepdims ? " keep" : " drop";
      label += rc.as_input ? " (input)" : " (attr)";
      CheckOp(c, label);
    }
  }
}

TEST(ReduceOps, NoopWithEmptyAxesIsIdentity) {
  for (bool input : {false, true}) {
    OpCase c;
    c.op = "ReduceSum";
    c.shapes = {{2, 3}};
    c.attrs.Set("noop_with_empty_axes", int64_t{1});
    if (input) c.constants = {Axes({})};
    c.reference = [](const std::vector<DArray>& in) { return in; };
    c.grad_inputs = {0};
    CheckOp(c, input ? "empty axes input" : "no axes");
  }
}

TEST(ReduceOps, BadAxisNamesTheNode) {
  graph::Graph g;
  auto x = g.AddInput("x", DType::kF32, {2, 3}).value();
  auto y = g.AddNode("ReduceMean", {x}, {{"axes", std::vector<int64_t>{2}}}, 1,
                     "mean_bad")
               .value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  absl::Status s = graph::CompiledGraph::Compile(g, BuiltinOps()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("mean_bad"), absl::string_view::npos) << s;
}

TEST(ReduceOps, DynamicDimsInfer) {
  graph::Graph g;
  auto x = g.AddInput("x", DType::kF32, {-1, 3, 4}).value();
  auto y = g.AddNode("ReduceSum", {x, g.AddConstant("a", Axes({1})).value()},
                     {{"keepdims", int64_t{0}}})
               .value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps()).value();
  EXPECT_EQ(cg->graph().value(y).type.ToString(), "f32[?, 4]");
  engine::Context ctx({1});
  Tensor in = Tensor::Zeros(Shape({5, 3, 4}), DType::kF32).value();
  auto r = cg->Run(ctx, {in}).value();
  EXPECT_EQ(r.outputs[0].shape(), Shape({5, 4}));
}

TEST(ArgMaxOp, AxesKeepdimsLastIndex) {
  // x[2, 3, 2] with a tie along axis 1 in column (0, *, 1).
  const std::vector<float> v = {1,  5,  3,  5, 2,  0,  //
                                -1, -2, -3, 7, -1, 7};
  struct Case {
    int64_t axis, keepdims, last;
    std::vector<int64_t> dims, want;
  };
  const std::vector<Case> cases = {
      {1, 1, 0, {2, 1, 2}, {1, 0, 0, 1}},
      {1, 0, 1, {2, 2}, {1, 1, 2, 2}},
      {-1, 0, 0, {2, 3}, {1, 1, 0, 0, 1, 1}},
      {0, 1, 0, {1, 3, 2}, {0, 0, 0, 1, 0, 1}},
  };
  for (const Case& c : cases) {
    graph::Graph g;
    auto x = g.AddInput("x", DType::kF32, {2, 3, 2}).value();
    auto y = g.AddNode("ArgMax", {x},
                       {{"axis", c.axis},
                        {"keepdims", c.keepdims},
                        {"select_last_index", c.last}})
                 .value()[0];
    ASSERT_TRUE(g.AddOutput(y).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
    ASSERT_TRUE(cg.ok()) << cg.status();
    EXPECT_EQ((*cg)->graph().value(y).type.dims, c.dims);
    engine::Context ctx({1});
    auto r = (*cg)->Run(ctx, {Tensor::FromVector(Shape({2, 3, 2}), v).value()});
    ASSERT_TRUE(r.ok()) << r.status();
    const Tensor& out = r->outputs[0];
    ASSERT_EQ(out.dtype(), DType::kI64);
    ASSERT_EQ(out.shape().dims(), c.dims);
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(out.data<int64_t>()[i], c.want[i])
          << "axis " << c.axis << " last " << c.last << " element " << i;
    }
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
