// Concat, Split, Slice, Gather (Pad values in pad_ops_test.cc): values against
// double references, gradients through the harness (Split: a structural
// backward test, since its multi-output loss would need Add), inference errors,
// dynamic dims.
#include <limits>

#include "engine/status.h"
#include "gmock/gmock.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "graph/shape_inference.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/ops/data_ref.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using ::testing::HasSubstr;
using Ref = std::function<std::vector<DArray>(const std::vector<DArray>&)>;

// Parts of x along `axis` with the given sizes.
std::vector<DArray> SplitRef(const DArray& x, int axis,
                             const std::vector<int64_t>& sizes) {
  std::vector<DArray> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    std::vector<std::vector<int64_t>> idx;
    for (size_t a = 0; a < x.dims.size(); ++a) idx.push_back(Iota(x.dims[a]));
    idx[axis].clear();
    for (int64_t i = 0; i < s; ++i) idx[axis].push_back(at + i);
    out.push_back(PickRef(x, idx));
    at += s;
  }
  return out;
}

DArray ConcatRef(const std::vector<DArray>& xs, int axis) {
  DArray y{xs[0].dims, {}};
  y.dims[axis] = 0;
  for (const DArray& x : xs) y.dims[axis] += x.dims[axis];
  const int64_t outer =
      NumElements(std::vector<int64_t>(y.dims.begin(), y.dims.begin() + axis));
  for (int64_t o = 0; o < outer; ++o) {
    for (const DArray& x : xs) {
      const int64_t block = x.numel() / outer;
      y.v.insert(y.v.end(), x.v.begin() + o * block,
                 x.v.begin() + (o + 1) * block);
    }
  }
  return y;
}

TEST(DataOps, Concat) {
  for (int axis : {0, 1, 2, -1, -3}) {
    const int a = axis < 0 ? axis + 3 : axis;
    std::vector<std::vector<int64_t>> shapes = {
        {2, 3, 4}, {2, 3, 4}, {2, 3, 4}};
    shapes[1][a] = 1;
    shapes[2][a] = 5;
    OpCase c;
    c.op = "Concat";
    c.shapes = shapes;
    c.attrs.Set("axis", int64_t{axis});
    c.reference = [a](const std::vector<DArray>& in) {
      return std::vector<DArray>{ConcatRef(in, a)};
    };
    c.grad_inputs = {0, 1, 2};
    CheckOp(c, "axis " + std::to_string(axis));
  }
}

TEST(DataOps, SplitForward) {
  struct S {
    graph::Attributes attrs;
    std::vector<std::optional<Tensor>> constants;
    int axis;
    std::vector<int64_t> sizes;
  };
  for (const S& s : std::vector<S>{
           {{{"axis", int64_t{1}}}, {I64({2, 1, 4})}, 1, {2, 1, 4}},
           {{{"axis", int64_t{-1}}, {"split", std::vector<int64_t>{3, 1}}},
            {},
            2,
            {3, 1}},
           {{}, {}, 0, {2, 2, 2}},
           {{{"axis", int64_t{1}}, {"num_outputs", int64_t{3}}},
            {},
            1,
            {3, 3, 1}}}) {
    OpCase c;
    c.op = "Split";
    c.shapes = {{6, 7, 4}};
    c.attrs = s.attrs;
    c.constants = s.constants;
    c.num_outputs = static_cast<int>(s.sizes.size());
    c.reference = [s](const std::vector<DArray>& in) {
      return SplitRef(in[0], s.axis, s.sizes);
    };
    CheckOp(c, "split axis " + std::to_string(s.axis));
  }
}

// Zero-sized outputs (an empty split part, an empty slice). The engine's
// Tensor::FromStorage currently rejects empty views of empty storage; skip
// until it accepts them.
TEST(DataOps, ZeroSizedOutputs) {
  auto storage = engine::Storage::Allocate(0);
  ASSERT_TRUE(storage.ok());
  if (!Tensor::FromStorage(*storage, 0, Shape({0, 3}), {3, 1}, DType::kF32)
           .ok()) {
    GTEST_SKIP() << "engine cannot hold empty tensors yet";
  }
  OpCase c;
  c.op = "Split";
  c.shapes = {{6, 7, 4}};
  c.attrs.Set("axis", int64_t{1});
  c.constants = {I64({2, 0, 5})};
  c.num_outputs = 3;
  c.reference = [](const std::vector<DArray>& in) {
    return SplitRef(in[0], 1, {2, 0, 5});
  };
  CheckOp(c, "empty split part");
  OpCase e;
  e.op = "Slice";
  e.shapes = {{5, 7}};
  e.constants = {I64({3}), I64({1}), I64({0})};
  e.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{PickRef(in[0], {{}, Iota(7)})};
  };
  e.grad_inputs = {0};
  CheckOp(e, "empty slice");
}

// Split's backward fills the missing output gradients with zeros.
TEST(DataOps, SplitBackwardFillsMissingGradients) {
  graph::Graph g;
  graph::ValueId x = g.AddInput("x", DType::kF32, {4, 6}).value();
  graph::ValueId sizes = g.AddConstant("sizes", I64({1, 2, 3})).value();
  auto ys = g.AddNode("Split", {x, sizes}, {{"axis", int64_t{1}}}, 3, "split")
                .value();
  graph::ValueId loss =
      g.AddNode("Concat", {ys[2], ys[0]}, {{"axis", int64_t{1}}}, 1, "cat")
          .value()[0];
  auto bg = graph::BuildBackward(g, loss, {x}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({1});
  auto run = (*cg)->Run(
      ctx, {Tensor::Zeros(Shape({4, 6}), DType::kF32).value()}, opts);
  ASSERT_TRUE(run.ok()) << run.status();
  const Tensor& dx = run->fetched[0];
  ASSERT_EQ(dx.shape(), Shape({4, 6}));
  for (int r = 0; r < 4; ++r) {
    for (int col = 0; col < 6; ++col) {
      EXPECT_EQ(dx.data<float>()[r * 6 + col], (col == 1 || col == 2) ? 0 : 1)
          << r << "," << col;
    }
  }
}

// ONNX Slice on one axis: Python slice semantics.
std::vector<int64_t> SliceIndices(int64_t d, int64_t start, int64_t end,
                                  int64_t step) {
  auto fix = [&](int64_t v) {
    if (v < 0) v = std::max<int64_t>(v + d, step < 0 ? -1 : 0);
    return std::min(v, step < 0 ? d - 1 : d);
  };
  const int64_t b = fix(start), e = fix(end);
  std::vector<int64_t> out;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out.push_back(i);
  return out;
}

TEST(DataOps, Slice) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct S {
    std::vector<int64_t> starts, ends, axes, steps;
  };
  const std::vector<int64_t> dims = {5, 7, 4};
  for (const S& s :
       std::vector<S>{{{1, 2}, {4, 6}, {0, 1}, {1, 2}},
                      {{-1}, {kMin}, {1}, {-1}},   // full reverse
                      {{kMax}, {-8}, {-2}, {-3}},  // clamped, negative axis
                      {{-100, 1}, {100, kMax}, {2, 0}, {1, 1}},
                      {{0, 0, 3}, {5, 7, 0}, {0, 1, 2}, {2, 3, -1}}}) {
    OpCase c;
    c.op = "Slice";
    c.shapes = {dims};
    c.constants = {I64(s.starts), I64(s.ends), I64(s.axes), I64(s.steps)};
    c.reference = [s, dims](const std::vector<DArray>& in) {
      std::vector<std::vector<int64_t>> idx;
      for (int64_t d : dims) idx.push_back(Iota(d));
      for (size_t i = 0; i < s.axes.size(); ++i) {
        const int a =
            static_cast<int>(s.axes[i] < 0 ? s.axes[i] + 3 : s.axes[i]);
        idx[a] = SliceIndices(dims[a], s.starts[i], s.ends[i], s.steps[i]);
      }
      return std::vector<DArray>{PickRef(in[0], idx)};
    };
    c.grad_inputs = {0};
    CheckOp(c, "slice");
  }
  // Defaults (no axes/steps), i32 inputs; and the opset-1 attributes.
  OpCase c;
  c.op = "Slice";
  c.shapes = {{4, 6}};
  c.constants = {I32({1, -4}), I32({3, -1})};
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{PickRef(in[0], {{1, 2}, {2, 3, 4}})};
  };
  c.grad_inputs = {0};
  CheckOp(c, "defaults, i32");
  c.constants = {};
  c.attrs = {{"starts", std::vector<int64_t>{2}},
             {"ends", std::vector<int64_t>{5}},
             {"axes", std::vector<int64_t>{1}}};
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{PickRef(in[0], {Iota(4), {2, 3, 4}})};
  };
  CheckOp(c, "attributes");
}

TEST(DataOps, Gather) {
  struct G {
    std::vector<int64_t> dims;
    int axis;
    Tensor indices;
    std::vector<int64_t> idx, idx_dims;
  };
  const Tensor i2x2 =
      Tensor::FromVector<int64_t>(Shape({2, 2}), {1, -1, 0, 1}).value();
  const Tensor scalar = Tensor::FromVector<int64_t>(Shape(), {-2}).value();
  for (const G& t :
       std::vector<G>{{{5, 3}, 0, I64({4, 0, -1, 4}), {4, 0, 4, 4}, {4}},
                      {{2, 4, 3}, 1, i2x2, {1, 3, 0, 1}, {2, 2}},
                      {{2, 4, 3}, -1, I32({2, 0}), {2, 0}, {2}},
                      {{3, 4}, 1, scalar, {2}, {}}}) {
    OpCase c;
    c.op = "Gather";
    c.shapes = {t.dims};
    c.constants = {t.indices};
    c.attrs.Set("axis", int64_t{t.axis});
    c.reference = [t](const std::vector<DArray>& in) {
      const DArray& x = in[0];
      const int r = static_cast<int>(x.dims.size());
      const int a = t.axis < 0 ? t.axis + r : t.axis;
      DArray y;
      y.dims.assign(x.dims.begin(), x.dims.begin() + a);
      y.dims.insert(y.dims.end(), t.idx_dims.begin(), t.idx_dims.end());
      y.dims.insert(y.dims.end(), x.dims.begin() + a + 1, x.dims.end());
      const int64_t outer = NumElements({x.dims.begin(), x.dims.begin() + a});
      const int64_t inner = NumElements({x.dims.begin() + a + 1, x.dims.end()});
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j : t.idx) {
          for (int64_t k = 0; k < inner; ++k) {
            y.v.push_back(x.v[(o * x.dims[a] + j) * inner + k]);
          }
        }
      }
      return std::vector<DArray>{y};
    };
    c.grad_inputs = {0};
    CheckOp(c, "gather axis " + std::to_string(t.axis));
  }
}

void ExpectInferError(const std::string& op,
                      std::vector<std::vector<int64_t>> shapes,
                      graph::Attributes attrs, std::vector<Tensor> constants,
                      int num_outputs, const std::string& what) {
  graph::Graph g;
  std::vector<graph::ValueId> ids;
  for (size_t i = 0; i < shapes.size(); ++i) {
    ids.push_back(
        g.AddInput("x" + std::to_string(i), DType::kF32, shapes[i]).value());
  }
  for (size_t i = 0; i < constants.size(); ++i) {
    ids.push_back(g.AddConstant("c" + std::to_string(i), constants[i]).value());
  }
  ASSERT_TRUE(g.AddNode(op, ids, attrs, num_outputs, "bad_node").ok());
  absl::Status s = graph::InferShapes(g, BuiltinOps());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << what << ": " << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("'bad_node'")) << what;
}

TEST(DataOps, InferenceErrors) {
  const graph::Attributes axis1 = {{"axis", int64_t{1}}};
  ExpectInferError("Concat", {{2, 3}, {3, 3}}, axis1, {}, 1, "dim 0 differs");
  ExpectInferError("Concat", {{2, 3}, {2, 3, 1}}, axis1, {}, 1, "rank");
  ExpectInferError("Concat", {{2, 3}}, {{"axis", int64_t{2}}}, {}, 1, "axis");
  ExpectInferError("Split", {{2, 6}}, axis1, {I64({-1, 7})}, 2, "negative");
  ExpectInferError("Split", {{2, 6}}, axis1, {I64({4, 4})}, 2, "too large");
  ExpectInferError("Split", {{2, 6}}, axis1, {I64({6})}, 2, "count");
  ExpectInferError("Split", {{2, 7}}, axis1, {}, 2, "uneven");
  ExpectInferError("Slice", {{2, 6}}, {}, {I64({0}), I64({1}), I64({2})}, 1,
                   "slice axis");
  ExpectInferError("Slice", {{2, 6}}, {},
                   {I64({0}), I64({1}), I64({1}), I64({0})}, 1, "zero step");
  ExpectInferError("Gather", {{2, 6}}, {{"axis", int64_t{-3}}}, {I64({0})}, 1,
                   "gather axis");
  ExpectInferError("Pad", {{2, 6}}, {}, {I64({0, 0, -3, 0})}, 1, "over-crop");
  ExpectInferError("Pad", {{2, 6}}, {}, {I64({1, 1})}, 1, "pads length");
}

TEST(DataOps, RunTimeErrorsNameTheNode) {
  graph::Graph g;
  graph::ValueId x = g.AddInput("x", DType::kF32, {3, 2}).value();
  graph::ValueId i = g.AddConstant("i", I64({3})).value();
  graph::ValueId y = g.AddNode("Gather", {x, i}, {}, 1, "gat").value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  ASSERT_TRUE(cg.ok());
  engine::Context ctx({1});
  auto run =
      (*cg)->Run(ctx, {Tensor::Zeros(Shape({3, 2}), DType::kF32).value()});
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(run.status().message()), HasSubstr("'gat'"));
}

// Gradients through dynamic shapes: Reshape back via Shape, Concat via
// SplitLike, Gather via GatherGrad shaped at run time.
TEST(DataOps, DynamicBatchBackward) {
  graph::Graph g;
  graph::ValueId x1 = g.AddInput("x1", DType::kF32, {-1, 3}).value();
  graph::ValueId x2 = g.AddInput("x2", DType::kF32, {-1, 3}).value();
  graph::ValueId u =
      g.AddNode("Unsqueeze", {x1, g.AddConstant("ax", I64({1})).value()})
          .value()[0];
  graph::ValueId r =
      g.AddNode("Reshape", {u, g.AddConstant("s", I64({0, 3})).value()})
          .value()[0];
  graph::ValueId c =
      g.AddNode("Concat", {r, x2}, {{"axis", int64_t{0}}}).value()[0];
  graph::ValueId loss =
      g.AddNode("Gather", {c, g.AddConstant("i", I64({0, 2, -1})).value()})
          .value()[0];
  auto bg = graph::BuildBackward(g, loss, {x1, x2}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  EXPECT_EQ(bg->graph.value(bg->grads[0]).type.dims,
            std::vector<int64_t>({-1, 3}));
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({1});
  const Tensor z = Tensor::Zeros(Shape({2, 3}), DType::kF32).value();
  auto run = (*cg)->Run(ctx, {z, z}, opts);
  ASSERT_TRUE(run.ok()) << run.status();
  // Rows gathered: x1[0], x2[0], x2[1].
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(run->fetched[0].data<float>()[k], k < 3 ? 1 : 0) << k;
    EXPECT_EQ(run->fetched[1].data<float>()[k], 1) << k;
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
