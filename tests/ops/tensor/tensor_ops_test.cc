// Tensor family: f32 ops against double references with finite-difference
// gradients (OpCase), index/integer ops exactly, shape-inference errors.
#include <algorithm>
#include <cmath>

#include "gmock/gmock.h"
#include "graph/autograd.h"
#include "gtest/gtest.h"
#include "tests/ops/logic/run_node.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::Tensor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Tensor I64(std::vector<int64_t> dims, std::vector<int64_t> v) {
  return Make<int64_t>(std::move(dims), std::move(v));
}

TEST(TensorOps, TileWithGradient) {
  OpCase c;
  c.op = "Tile";
  c.shapes = {{2, 3}};
  c.constants = {I64({2}, {2, 3})};
  c.reference = [](const std::vector<DArray>& in) {
    DArray y{{4, 9}, std::vector<double>(36)};
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 9; ++j) y.v[i * 9 + j] = in[0].v[(i % 2) * 3 + j % 3];
    }
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  CheckOp(c, "Tile");
}

// y_j = sum of x_i over i <= j (i < j exclusive), from the end if reverse,
// along axis 1 of [3, 5].
OpCase CumSumCase(bool exclusive, bool reverse) {
  OpCase c;
  c.op = "CumSum";
  c.shapes = {{3, 5}};
  c.constants = {I64({}, {1})};
  c.attrs = {{"exclusive", int64_t{exclusive}}, {"reverse", int64_t{reverse}}};
  c.reference = [exclusive, reverse](const std::vector<DArray>& in) {
    DArray y = in[0];
    for (int r = 0; r < 3; ++r) {
      double acc = 0;
      for (int k = 0; k < 5; ++k) {
        const int j = reverse ? 4 - k : k;
        if (exclusive) {
          y.v[r * 5 + j] = acc;
          acc += in[0].v[r * 5 + j];
        } else {
          acc += in[0].v[r * 5 + j];
          y.v[r * 5 + j] = acc;
        }
      }
    }
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  return c;
}

TEST(TensorOps, CumSumWithGradient) {
  for (int e = 0; e < 2; ++e) {
    for (int r = 0; r < 2; ++r) {
      CheckOp(CumSumCase(e, r),
              "CumSum e" + std::to_string(e) + " r" + std::to_string(r));
    }
  }
}

// Reduction over axis 1 of [2, 3, 4] with keepdims = 0.
OpCase ReduceCase(const std::string& op,
                  std::function<double(const std::vector<double>&)> f) {
  OpCase c;
  c.op = op;
  c.shapes = {{2, 3, 4}};
  c.attrs = {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}};
  c.reference = [f](const std::vector<DArray>& in) {
    DArray y{{2, 4}, std::vector<double>(8)};
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 4; ++b) {
        std::vector<double> v;
        for (int k = 0; k < 3; ++k) v.push_back(in[0].v[a * 12 + k * 4 + b]);
        y.v[a * 4 + b] = f(v);
      }
    }
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  return c;
}

TEST(TensorOps, ReductionsWithGradients) {
  auto sum = [](const std::vector<double>& v, auto g) {
    double s = 0;
    for (double x : v) s += g(x);
    return s;
  };
  CheckOp(ReduceCase("ReduceProd",
                     [](const std::vector<double>& v) {
                       double p = 1;
                       for (double x : v) p *= x;
                       return p;
                     }),
          "ReduceProd");
  OpCase l1 = ReduceCase("ReduceL1", [&](const std::vector<double>& v) {
    return sum(v, [](double x) { return std::fabs(x); });
  });
  l1.near_kink = [](int, double v) { return std::fabs(v) < 0.01; };
  CheckOp(l1, "ReduceL1");
  CheckOp(ReduceCase("ReduceL2",
                     [&](const std::vector<double>& v) {
                       return std::sqrt(sum(v, [](double x) { return x * x; }));
                     }),
          "ReduceL2");
  OpCase ls = ReduceCase("ReduceLogSum", [&](const std::vector<double>& v) {
    return std::log(sum(v, [](double x) { return x; }));
  });
  ls.lo = 0.5f;
  ls.hi = 2.0f;
  CheckOp(ls, "ReduceLogSum");
  CheckOp(ReduceCase("ReduceLogSumExp",
                     [&](const std::vector<double>& v) {
                       return std::log(
                           sum(v, [](double x) { return std::exp(x); }));
                     }),
          "ReduceLogSumExp");
  CheckOp(ReduceCase("ReduceSumSquare",
                     [&](const std::vector<double>& v) {
                       return sum(v, [](double x) { return x * x; });
                     }),
          "ReduceSumSquare");
}

TEST(TensorOps, ReductionAxesAsInputAndIntegers) {
  Tensor x = Make<int32_t>({2, 3}, {1, 2, 3, -4, 5, 6});
  auto p = RunNode("ReduceProd", {x, I64({1}, {-1})});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)[0].shape(), engine::Shape({2, 1}));
  EXPECT_THAT(Values<int32_t>((*p)[0]), ElementsAre(6, -120));
  auto l1 = RunNode("ReduceL1", {x}, {{"keepdims", int64_t{0}}});
  ASSERT_TRUE(l1.ok());
  EXPECT_THAT(Values<int32_t>((*l1)[0]), ElementsAre(21));
}

TEST(TensorOps, GatherElementsWithGradient) {
  OpCase c;
  c.op = "GatherElements";
  c.shapes = {{3, 4}};
  c.constants = {I64({2, 4}, {0, 2, -1, 1, 2, 2, 0, 0})};
  c.attrs = {{"axis", int64_t{0}}};
  c.reference = [](const std::vector<DArray>& in) {
    const int idx[8] = {0, 2, 2, 1, 2, 2, 0, 0};
    DArray y{{2, 4}, std::vector<double>(8)};
    for (int i = 0; i < 8; ++i) y.v[i] = in[0].v[idx[i] * 4 + i % 4];
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  CheckOp(c, "GatherElements");
}

TEST(TensorOps, GatherNDBatchDimsWithGradient) {
  OpCase c;
  c.op = "GatherND";
  c.shapes = {{2, 3, 4}};
  c.constants = {I64({2, 2, 1}, {2, 0, 1, 1})};  // batch_dims 1
  c.attrs = {{"batch_dims", int64_t{1}}};
  c.reference = [](const std::vector<DArray>& in) {
    const int idx[4] = {2, 0, 1, 1};
    DArray y{{2, 2, 4}, std::vector<double>(16)};
    for (int b = 0; b < 2; ++b) {
      for (int t = 0; t < 2; ++t) {
        for (int k = 0; k < 4; ++k) {
          y.v[(b * 2 + t) * 4 + k] = in[0].v[b * 12 + idx[b * 2 + t] * 4 + k];
        }
      }
    }
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  CheckOp(c, "GatherND");
}

// Runs y = op(data, indices, updates) and the gradients of L = sum(y * r)
// w.r.t. data and updates: {y, dData, dUpdates}.
std::vector<Tensor> ScatterWithGrads(const std::string& op, Tensor data,
                                     Tensor indices, Tensor updates,
                                     graph::Attributes attrs, Tensor r) {
  graph::Graph g;
  auto d = g.AddInput("d", engine::DType::kF32, data.shape().dims()).value();
  auto i = g.AddConstant("i", indices).value();
  auto u = g.AddInput("u", engine::DType::kF32, updates.shape().dims()).value();
  auto rid = g.AddConstant("r", r).value();
  auto y = g.AddNode(op, {d, i, u}, std::move(attrs), 1, "node").value()[0];
  auto m = g.AddNode("Mul", {y, rid}).value()[0];
  auto loss = g.AddNode("ReduceSum", {m}, {{"keepdims", int64_t{0}}}).value();
  EXPECT_TRUE(g.AddOutput(y).ok());
  auto bg = graph::BuildBackward(g, loss[0], {d, u}, BuiltinOps());
  EXPECT_TRUE(bg.ok()) << bg.status();
  if (!bg.ok()) return {};
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  EXPECT_TRUE(cg.ok()) << cg.status();
  if (!cg.ok()) return {};
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({2});
  auto run = (*cg)->Run(ctx, {data, updates}, opts);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return {};
  return {run->outputs[0], run->fetched[0], run->fetched[1]};
}

TEST(TensorOps, ScatterElementsWithGradients) {
  Tensor data = Make<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor idx = I64({2, 3}, {1, 0, 2, 0, 2, 1});
  Tensor upd = Make<float>({2, 3}, {10, 20, 30, 40, 50, 60});
  Tensor r = Make<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto none = ScatterWithGrads("ScatterElements", data, idx, upd,
                               {{"axis", int64_t{0}}}, r);
  ASSERT_EQ(none.size(), 3u);
  EXPECT_THAT(Values<float>(none[0]),
              ElementsAre(40, 20, 3, 10, 5, 60, 7, 50, 30));
  EXPECT_THAT(Values<float>(none[1]), ElementsAre(0, 0, 3, 0, 5, 0, 7, 0, 0));
  EXPECT_THAT(Values<float>(none[2]), ElementsAre(4, 2, 9, 1, 8, 6));
  auto add = ScatterWithGrads(
      "ScatterElements", data, idx, upd,
      {{"axis", int64_t{0}}, {"reduction", std::string("add")}}, r);
  ASSERT_EQ(add.size(), 3u);
  EXPECT_THAT(Values<float>(add[0]),
              ElementsAre(41, 22, 3, 14, 5, 66, 7, 58, 39));
  EXPECT_THAT(Values<float>(add[1]), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
  EXPECT_THAT(Values<float>(add[2]), ElementsAre(4, 2, 9, 1, 8, 6));
  // Duplicate indices: the last write wins (none), all accumulate (add).
  Tensor dup = I64({2, 1}, {1, 1});
  Tensor u2 = Make<float>({2, 1}, {5, 7});
  Tensor col = Make<float>({3, 1}, {0, 0, 0});
  EXPECT_THAT(
      Values<float>(RunNode("ScatterElements", {col, dup, u2}).value()[0]),
      ElementsAre(0, 7, 0));
  EXPECT_THAT(Values<float>(RunNode("ScatterElements", {col, dup, u2},
                                    {{"reduction", std::string("add")}})
                                .value()[0]),
              ElementsAre(0, 12, 0));
}

TEST(TensorOps, ScatterNDWithGradients) {
  Tensor data = Make<float>({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor idx = I64({2, 1}, {3, 1});
  Tensor upd = Make<float>({2, 2}, {10, 20, 30, 40});
  Tensor r = Make<float>({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto none = ScatterWithGrads("ScatterND", data, idx, upd, {}, r);
  ASSERT_EQ(none.size(), 3u);
  EXPECT_THAT(Values<float>(none[0]), ElementsAre(1, 2, 30, 40, 5, 6, 10, 20));
  EXPECT_THAT(Values<float>(none[1]), ElementsAre(1, 2, 0, 0, 5, 6, 0, 0));
  EXPECT_THAT(Values<float>(none[2]), ElementsAre(7, 8, 3, 4));
  Tensor d = Make<float>({4}, {1, 2, 3, 4});
  auto mul =
      RunNode("ScatterND", {d, I64({2, 1}, {1, 1}), Make<float>({2}, {3, 5})},
              {{"reduction", std::string("mul")}});
  ASSERT_TRUE(mul.ok()) << mul.status();
  EXPECT_THAT(Values<float>((*mul)[0]), ElementsAre(1, 30, 3, 4));
  auto bad = RunNode("ScatterND", {d, I64({1, 1}, {4}), Make<float>({1}, {0})});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("out of range"));
}

TEST(TensorOps, TriluWithGradient) {
  for (int upper = 0; upper < 2; ++upper) {
    OpCase c;
    c.op = "Trilu";
    c.shapes = {{2, 3, 4}};
    c.constants = {I64({}, {-1 + 2 * upper})};  // k = -1 lower, 1 upper
    c.attrs = {{"upper", int64_t{upper}}};
    c.reference = [upper](const std::vector<DArray>& in) {
      DArray y = in[0];
      const int k = -1 + 2 * upper;
      for (int m = 0; m < 2; ++m) {
        for (int i = 0; i < 3; ++i) {
          for (int j = 0; j < 4; ++j) {
            const bool keep = upper ? j - i >= k : j - i <= k;
            if (!keep) y.v[m * 12 + i * 4 + j] = 0;
          }
        }
      }
      return std::vector<DArray>{y};
    };
    c.grad_inputs = {0};
    CheckOp(c, "Trilu upper " + std::to_string(upper));
  }
}

TEST(TensorOps, EinsumWithGradients) {
  OpCase mm;
  mm.op = "Einsum";
  mm.shapes = {{2, 3, 4}, {2, 4, 5}};
  mm.attrs = {{"equation", std::string("bij, bjk -> bik")}};
  mm.reference = [](const std::vector<DArray>& in) {
    DArray y{{2, 3, 5}, std::vector<double>(30, 0.0)};
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 5; ++k)
          for (int j = 0; j < 4; ++j)
            y.v[b * 15 + i * 5 + k] +=
                in[0].v[b * 12 + i * 4 + j] * in[1].v[b * 20 + j * 5 + k];
    return std::vector<DArray>{y};
  };
  mm.grad_inputs = {0, 1};
  CheckOp(mm, "Einsum batch matmul");
  OpCase implicit;  // "ij,j" -> "i"
  implicit.op = "Einsum";
  implicit.shapes = {{3, 4}, {4}};
  implicit.attrs = {{"equation", std::string("ij,j")}};
  implicit.reference = [](const std::vector<DArray>& in) {
    DArray y{{3}, std::vector<double>(3, 0.0)};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) y.v[i] += in[0].v[i * 4 + j] * in[1].v[j];
    return std::vector<DArray>{y};
  };
  implicit.grad_inputs = {0, 1};
  CheckOp(implicit, "Einsum implicit");
  auto diag =
      RunNode("Einsum", {Make<int32_t>({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})},
              {{"equation", std::string("...ii->...i")}});
  ASSERT_TRUE(diag.ok()) << diag.status();
  EXPECT_THAT(Values<int32_t>((*diag)[0]), ElementsAre(1, 4, 5, 8));
  auto bad = RunNode(
      "Einsum",
      {Make<float>({2, 3}, {1, 2, 3, 4, 5, 6}), Make<float>({4}, {1, 2, 3, 4})},
      {{"equation", std::string("ij,j->i")}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("'node'"));
}

TEST(TensorOps, TopKValuesIndicesAndGradient) {
  Tensor x = Make<float>({2, 4}, {1, 4, 4, 2, -1, 0, 3, 3});
  auto out = RunNode("TopK", {x, I64({1}, {2})}, {}, 2);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(4, 4, 3, 3));
  EXPECT_THAT(Values<int64_t>((*out)[1]), ElementsAre(1, 2, 2, 3));
  auto small = RunNode("TopK", {x, I64({1}, {1})},
                       {{"largest", int64_t{0}}, {"axis", int64_t{0}}}, 2);
  ASSERT_TRUE(small.ok());
  EXPECT_THAT(Values<float>((*small)[0]), ElementsAre(-1, 0, 3, 2));
  EXPECT_THAT(Values<int64_t>((*small)[1]), ElementsAre(1, 1, 1, 0));
  // d/dx sum(values * r): r scattered to the selected positions.
  graph::Graph g;
  auto xid = g.AddInput("x", engine::DType::kF32, {2, 4}).value();
  auto k = g.AddConstant("k", I64({1}, {2})).value();
  auto r = g.AddConstant("r", Make<float>({2, 2}, {1, 2, 3, 4})).value();
  auto tk = g.AddNode("TopK", {xid, k}, {}, 2, "topk").value();
  auto m = g.AddNode("Mul", {tk[0], r}).value()[0];
  auto loss = g.AddNode("ReduceSum", {m}, {{"keepdims", int64_t{0}}}).value();
  ASSERT_TRUE(g.AddOutput(loss[0]).ok());
  auto bg = graph::BuildBackward(g, loss[0], {xid}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({1});
  auto run = (*cg)->Run(ctx, {x}, opts);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(Values<float>(run->fetched[0]),
              ElementsAre(0, 1, 2, 0, 0, 0, 3, 4));
}

TEST(TensorOps, ArgMinHardmaxSize) {
  Tensor x = Make<float>({2, 3}, {3, 1, 1, 0, 5, 0});
  EXPECT_THAT(Values<int64_t>(
                  RunNode("ArgMin", {x}, {{"axis", int64_t{1}}}).value()[0]),
              ElementsAre(1, 0));
  EXPECT_THAT(Values<int64_t>(RunNode("ArgMin", {x},
                                      {{"axis", int64_t{1}},
                                       {"select_last_index", int64_t{1}},
                                       {"keepdims", int64_t{0}}})
                                  .value()[0]),
              ElementsAre(2, 2));
  EXPECT_THAT(Values<float>(RunNode("Hardmax", {x}).value()[0]),
              ElementsAre(1, 0, 0, 0, 1, 0));
  auto size = RunNode("Size", {x});
  ASSERT_TRUE(size.ok());
  EXPECT_EQ((*size)[0].rank(), 0);
  EXPECT_THAT(Values<int64_t>((*size)[0]), ElementsAre(6));
}

TEST(TensorOps, IndexBuilders) {
  auto range =
      RunNode("Range", {Make<int32_t>({}, {10}), Make<int32_t>({}, {1}),
                        Make<int32_t>({}, {-3})});
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_THAT(Values<int32_t>((*range)[0]), ElementsAre(10, 7, 4));
  auto nz = RunNode("NonZero", {Make<bool>({2, 2}, {true, false, true, true})});
  ASSERT_TRUE(nz.ok()) << nz.status();
  EXPECT_EQ((*nz)[0].shape(), engine::Shape({2, 3}));
  EXPECT_THAT(Values<int64_t>((*nz)[0]), ElementsAre(0, 1, 1, 0, 0, 1));
  auto oh = RunNode(
      "OneHot",
      {I64({3}, {0, -1, 5}), Make<float>({}, {3}), Make<float>({2}, {-1, 7})},
      {{"axis", int64_t{0}}});
  ASSERT_TRUE(oh.ok()) << oh.status();
  EXPECT_EQ((*oh)[0].shape(), engine::Shape({3, 3}));
  EXPECT_THAT(Values<float>((*oh)[0]),
              ElementsAre(7, -1, -1, -1, -1, -1, -1, 7, -1));
  auto eye = RunNode("EyeLike", {Make<float>({2, 3}, {0, 0, 0, 0, 0, 0})},
                     {{"k", int64_t{1}}, {"dtype", int64_t{7}}});
  ASSERT_TRUE(eye.ok()) << eye.status();
  EXPECT_EQ((*eye)[0].dtype(), engine::DType::kI64);
  EXPECT_THAT(Values<int64_t>((*eye)[0]), ElementsAre(0, 1, 0, 0, 0, 1));
}

TEST(TensorOps, ShapeInferenceErrorsNameTheNode) {
  auto tile =
      RunNode("Tile", {Make<float>({2}, {1, 2}), Make<float>({1}, {2})});
  ASSERT_FALSE(tile.ok());
  EXPECT_THAT(tile.status().message(), HasSubstr("'node'"));
  auto ge = RunNode("GatherElements",
                    {Make<float>({2, 2}, {1, 2, 3, 4}), I64({2}, {0, 1})});
  ASSERT_FALSE(ge.ok());
  EXPECT_THAT(ge.status().message(), HasSubstr("'node'"));
  auto argmin =
      RunNode("ArgMin", {Make<float>({2}, {1, 2})}, {{"axis", int64_t{3}}});
  ASSERT_FALSE(argmin.ok());
  EXPECT_THAT(argmin.status().message(), HasSubstr("'node'"));
  auto red = RunNode("ReduceLogSum", {Make<int32_t>({2}, {1, 2})});
  ASSERT_FALSE(red.ok());
  EXPECT_THAT(red.status().message(), HasSubstr("'node'"));
}

}  // namespace
}  // namespace quantsim::ops::testing
