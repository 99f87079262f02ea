// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Shape, Constant,
// ConstantOfShape: values against double references, gradients through the
// harness, views (no copy), shape-inference errors naming the node.
#include "engine/status.h"
#include "gmock/gmock.h"
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

// A pure reshape keeps the values in order.
std::function<std::vector<DArray>(const std::vector<DArray>&)> ReshapeRef(
    std::vector<int64_t> dims) {
  return [dims](const std::vector<DArray>& in) {
    return std::vector<DArray>{DArray{dims, in[0].v}};
  };
}

void CheckReshapeLike(const std::string& op, std::vector<int64_t> in,
                      graph::Attributes attrs,
                      std::vector<std::optional<Tensor>> constants,
                      std::vector<int64_t> out, const std::string& label) {
  OpCase c;
  c.op = op;
  c.shapes = {in};
  c.attrs = attrs;
  c.constants = constants;
  c.reference = ReshapeRef(out);
  c.grad_inputs = {0};
  CheckOp(c, label);
}

TEST(ShapeOps, Reshape) {
  CheckReshapeLike("Reshape", {2, 3, 4}, {}, {I64({4, -1})}, {4, 6}, "-1");
  CheckReshapeLike("Reshape", {2, 3, 4}, {}, {I64({0, 0, 2, 2})}, {2, 3, 2, 2},
                   "0 copies");
  CheckReshapeLike("Reshape", {3, 5}, {}, {I64({15})}, {15}, "to 1-D");
  CheckReshapeLike("Reshape", {1, 1}, {}, {I64({})}, {}, "to scalar");
}

TEST(ShapeOps, ReshapeOldAttrAndAllowZero) {
  CheckReshapeLike("Reshape", {2, 6}, {{"shape", std::vector<int64_t>{3, 4}}},
                   {}, {3, 4}, "opset-1 attribute");
  CheckReshapeLike("Reshape", {0, 3}, {{"allowzero", int64_t{1}}},
                   {I64({3, 0})}, {3, 0}, "allowzero");
}

TEST(ShapeOps, Flatten) {
  CheckReshapeLike("Flatten", {2, 3, 4, 5}, {}, {}, {2, 60}, "default");
  CheckReshapeLike("Flatten", {2, 3, 4, 5}, {{"axis", int64_t{0}}}, {},
                   {1, 120}, "axis 0");
  CheckReshapeLike("Flatten", {2, 3, 4, 5}, {{"axis", int64_t{-1}}}, {},
                   {24, 5}, "axis -1");
  CheckReshapeLike("Flatten", {2, 3, 4, 5}, {{"axis", int64_t{4}}}, {},
                   {120, 1}, "axis r");
}

TEST(ShapeOps, SqueezeUnsqueeze) {
  CheckReshapeLike("Squeeze", {1, 3, 1, 5}, {}, {}, {3, 5}, "all");
  CheckReshapeLike("Squeeze", {1, 3, 1, 5}, {}, {I64({-2})}, {1, 3, 5},
                   "axes input, negative");
  CheckReshapeLike("Squeeze", {1, 3, 1, 5}, {{"axes", std::vector<int64_t>{0}}},
                   {}, {3, 1, 5}, "axes attribute");
  CheckReshapeLike("Unsqueeze", {3, 5}, {}, {I64({0, -1})}, {1, 3, 5, 1},
                   "input");
  CheckReshapeLike("Unsqueeze", {3, 5}, {{"axes", std::vector<int64_t>{1, 3}}},
                   {}, {3, 1, 5, 1}, "attribute");
}

DArray TransposeRef(const DArray& x, const std::vector<int>& perm) {
  DArray y;
  for (int p : perm) y.dims.push_back(x.dims[p]);
  y.v.resize(x.v.size());
  const auto xs = Strides(x.dims), ys = Strides(y.dims);
  for (int64_t n = 0; n < y.numel(); ++n) {
    int64_t off = 0;
    for (size_t a = 0; a < perm.size(); ++a) {
      off += ((n / ys[a]) % y.dims[a]) * xs[perm[a]];
    }
    y.v[n] = x.v[off];
  }
  return y;
}

TEST(ShapeOps, Transpose) {
  for (auto perm : std::vector<std::vector<int>>{
           {0, 2, 1, 3}, {3, 1, 0, 2}, {2, 3, 0, 1}, {0, 1, 2, 3}}) {
    OpCase c;
    c.op = "Transpose";
    c.shapes = {{2, 3, 5, 7}};
    c.attrs.Set("perm", std::vector<int64_t>(perm.begin(), perm.end()));
    c.reference = [perm](const std::vector<DArray>& in) {
      return std::vector<DArray>{TransposeRef(in[0], perm)};
    };
    c.grad_inputs = {0};
    CheckOp(c, "perm " + std::to_string(perm[0]) + std::to_string(perm[1]));
  }
  OpCase c;
  c.op = "Transpose";
  c.shapes = {{3, 1, 4}};
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{TransposeRef(in[0], {2, 1, 0})};
  };
  c.grad_inputs = {0};
  CheckOp(c, "default reversed");
}

TEST(ShapeOps, Expand) {
  struct E {
    std::vector<int64_t> in, shape, out;
  };
  for (const E& e : std::vector<E>{{{3, 1}, {2, 3, 4}, {2, 3, 4}},
                                   {{1, 4}, {3, 1}, {3, 4}},
                                   {{5}, {2, 1}, {2, 5}},
                                   {{2, 3}, {2, 3}, {2, 3}}}) {
    OpCase c;
    c.op = "Expand";
    c.shapes = {e.in};
    c.constants = {I64(e.shape)};
    c.reference = [e](const std::vector<DArray>& in) {
      const int r = static_cast<int>(e.out.size());
      const int off = r - static_cast<int>(e.in.size());
      std::vector<std::vector<int64_t>> idx(r);
      for (int a = 0; a < r; ++a) {
        for (int64_t i = 0; i < e.out[a]; ++i) {
          idx[a].push_back(a < off ? 0 : (e.in[a - off] == 1 ? 0 : i));
        }
      }
      DArray x = in[0];
      x.dims.insert(x.dims.begin(), off, 1);
      return std::vector<DArray>{PickRef(x, idx)};
    };
    c.grad_inputs = {0};
    CheckOp(c, "expand");
  }
}

// Runs a one-node graph on `inputs`; returns the outputs.
absl::StatusOr<std::vector<Tensor>> RunOne(const std::string& op,
                                           std::vector<Tensor> inputs,
                                           graph::Attributes attrs = {},
                                           std::vector<Tensor> constants = {}) {
  graph::Graph g;
  std::vector<graph::ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    QS_ASSIGN_OR_RETURN(graph::ValueId v,
                        g.AddInput("x" + std::to_string(i), inputs[i].dtype(),
                                   inputs[i].shape().dims()));
    ids.push_back(v);
  }
  for (size_t i = 0; i < constants.size(); ++i) {
    QS_ASSIGN_OR_RETURN(graph::ValueId v,
                        g.AddConstant("c" + std::to_string(i), constants[i]));
    ids.push_back(v);
  }
  QS_ASSIGN_OR_RETURN(auto outs, g.AddNode(op, ids, attrs, 1, "n"));
  QS_RETURN_IF_ERROR(g.AddOutput(outs[0]));
  QS_ASSIGN_OR_RETURN(auto cg, graph::CompiledGraph::Compile(g, BuiltinOps()));
  engine::Context ctx({1});
  QS_ASSIGN_OR_RETURN(graph::RunResult r, cg->Run(ctx, inputs));
  return r.outputs;
}

TEST(ShapeOps, ViewsShareStorage) {
  Tensor x = Tensor::Zeros(Shape({2, 1, 6}), DType::kF32).value();
  struct V {
    std::string op;
    graph::Attributes attrs;
    std::vector<Tensor> constants;
  };
  for (const V& v : std::vector<V>{{"Reshape", {}, {I64({3, 4})}},
                                   {"Flatten", {}, {}},
                                   {"Squeeze", {}, {I64({1})}},
                                   {"Unsqueeze", {}, {I64({0})}},
                                   {"Identity", {}, {}}}) {
    auto out = RunOne(v.op, {x}, v.attrs, v.constants);
    ASSERT_TRUE(out.ok()) << v.op << ": " << out.status();
    EXPECT_TRUE((*out)[0].SharesStorageWith(x)) << v.op;
    EXPECT_EQ((*out)[0].raw_data(), x.raw_data()) << v.op;
  }
  auto copy = RunOne("Transpose", {x});
  ASSERT_TRUE(copy.ok());
  EXPECT_FALSE((*copy)[0].SharesStorageWith(x));
}

TEST(ShapeOps, ShapeConstantConstantOfShape) {
  Tensor x = Tensor::Zeros(Shape({2, 3, 5, 7}), DType::kF32).value();
  auto s = RunOne("Shape", {x});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ((*s)[0].dtype(), DType::kI64);
  EXPECT_EQ(std::vector<int64_t>((*s)[0].data<int64_t>(),
                                 (*s)[0].data<int64_t>() + 4),
            std::vector<int64_t>({2, 3, 5, 7}));
  s = RunOne("Shape", {x}, {{"start", int64_t{1}}, {"end", int64_t{-1}}});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ((*s)[0].numel(), 2);
  EXPECT_EQ((*s)[0].data<int64_t>()[1], 5);

  auto k = RunOne("Constant", {}, {{"value_ints", std::vector<int64_t>{4, 9}}});
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ((*k)[0].dtype(), DType::kI64);
  EXPECT_EQ((*k)[0].data<int64_t>()[1], 9);
  k = RunOne("Constant", {}, {{"value_float", 2.5f}});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ((*k)[0].rank(), 0);
  EXPECT_EQ((*k)[0].data<float>()[0], 2.5f);
  EXPECT_FALSE(RunOne("Constant", {}, {}).ok());

  Tensor seven = Tensor::FromVector<int32_t>(Shape({1}), {7}).value();
  auto f = RunOne("ConstantOfShape", {}, {{"value", seven}}, {I64({2, 3})});
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ((*f)[0].dtype(), DType::kI32);
  ASSERT_EQ((*f)[0].shape(), Shape({2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*f)[0].data<int32_t>()[i], 7);
  f = RunOne("ConstantOfShape", {}, {}, {I64({4})});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)[0].data<float>()[3], 0.0f);
}

// Shape inference errors are InvalidArgument naming the node.
void ExpectInferError(const std::string& op, std::vector<int64_t> in,
                      graph::Attributes attrs, std::vector<Tensor> constants,
                      const std::string& what) {
  graph::Graph g;
  std::vector<graph::ValueId> ids = {g.AddInput("x", DType::kF32, in).value()};
  for (size_t i = 0; i < constants.size(); ++i) {
    ids.push_back(g.AddConstant("c" + std::to_string(i), constants[i]).value());
  }
  ASSERT_TRUE(g.AddNode(op, ids, attrs, 1, "bad_node").ok());
  absl::Status s = graph::InferShapes(g, BuiltinOps());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << what << ": " << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("'bad_node'")) << what;
}

TEST(ShapeOps, InferenceErrors) {
  ExpectInferError("Reshape", {2, 3}, {}, {I64({4, -1})}, "-1 not integral");
  ExpectInferError("Reshape", {2, 3}, {}, {I64({-1, -1})}, "two -1");
  ExpectInferError("Reshape", {2, 3}, {}, {I64({7})}, "count");
  ExpectInferError("Squeeze", {2, 3}, {}, {I64({0})}, "size 2");
  ExpectInferError("Squeeze", {1, 3}, {}, {I64({2})}, "axis out of range");
  ExpectInferError("Unsqueeze", {2, 3}, {}, {I64({1, 1})}, "repeated axis");
  ExpectInferError("Flatten", {2, 3}, {{"axis", int64_t{3}}}, {}, "axis");
  ExpectInferError("Transpose", {2, 3, 4},
                   {{"perm", std::vector<int64_t>{0, 0, 1}}}, {}, "bad perm");
  ExpectInferError("Transpose", {2, 3}, {{"perm", std::vector<int64_t>{0}}}, {},
                   "short perm");
  ExpectInferError("Expand", {2, 3}, {}, {I64({4, 3})}, "no broadcast");
}

// -1 (dynamic) dims propagate through inference and resolve at run time.
TEST(ShapeOps, DynamicBatch) {
  graph::Graph g;
  graph::ValueId x = g.AddInput("x", DType::kF32, {-1, 3, 4}).value();
  graph::ValueId s = g.AddConstant("s", I64({0, -1})).value();
  graph::ValueId r = g.AddNode("Reshape", {x, s}, {}, 1, "r").value()[0];
  graph::ValueId f =
      g.AddNode("Flatten", {x}, {{"axis", int64_t{2}}}, 1, "f").value()[0];
  graph::ValueId t = g.AddNode("Transpose", {x}, {}, 1, "t").value()[0];
  graph::ValueId u =
      g.AddNode("Unsqueeze", {x}, {{"axes", std::vector<int64_t>{1}}}, 1, "u")
          .value()[0];
  graph::ValueId q = g.AddNode("Squeeze", {u}, {}, 1, "q").value()[0];
  graph::ValueId sh = g.AddNode("Shape", {x}, {}, 1, "sh").value()[0];
  for (graph::ValueId o : {r, f, t, q, sh}) ASSERT_TRUE(g.AddOutput(o).ok());
  ASSERT_TRUE(graph::InferShapes(g, BuiltinOps()).ok());
  EXPECT_EQ(g.value(r).type.dims, std::vector<int64_t>({-1, 12}));
  EXPECT_EQ(g.value(f).type.dims, std::vector<int64_t>({-1, 4}));
  EXPECT_EQ(g.value(t).type.dims, std::vector<int64_t>({4, 3, -1}));
  EXPECT_EQ(g.value(u).type.dims, std::vector<int64_t>({-1, 1, 3, 4}));
  EXPECT_FALSE(g.value(q).type.has_rank);  // depends on the batch size
  EXPECT_EQ(g.value(sh).type.dims, std::vector<int64_t>({3}));
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  engine::Context ctx({1});
  for (int64_t batch : {1, 5}) {
    Tensor in = Tensor::Zeros(Shape({batch, 3, 4}), DType::kF32).value();
    auto run = (*cg)->Run(ctx, {in});
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->outputs[0].shape(), Shape({batch, 12}));
    EXPECT_EQ(run->outputs[1].shape(), Shape({batch * 3, 4}));
    EXPECT_EQ(run->outputs[2].shape(), Shape({4, 3, batch}));
    EXPECT_EQ(run->outputs[3].shape(),
              batch == 1 ? Shape({3, 4}) : Shape({batch, 3, 4}));
    EXPECT_EQ(run->outputs[4].data<int64_t>()[0], batch);
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
