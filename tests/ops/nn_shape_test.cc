// Shape inference of Conv, ConvTranspose, Gemm and MatMul: InvalidArgument
// naming the node for bad shapes/attributes, and dynamic (-1) dims
// propagated at compile time and resolved by the kernels at run time.
#include <random>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "graph/executor.h"
#include "graph/shape_inference.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/ops/nn_reference.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using Ints = std::vector<int64_t>;

// Builds inputs of the given dims feeding one node and infers shapes.
absl::Status InferOne(const std::string& op, const std::vector<Ints>& inputs,
                      graph::Attributes attrs,
                      graph::ValueType* out = nullptr) {
  graph::Graph g;
  std::vector<graph::ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids.push_back(
        g.AddInput("in" + std::to_string(i), DType::kF32, inputs[i]).value());
  }
  auto y = g.AddNode(op, ids, std::move(attrs), 1, "bad");
  if (!y.ok()) return y.status();
  absl::Status s = graph::InferShapes(g, BuiltinOps());
  if (s.ok() && out) *out = g.value((*y)[0]).type;
  return s;
}

void ExpectError(const std::string& op, const std::vector<Ints>& inputs,
                 graph::Attributes attrs, const std::string& needle) {
  absl::Status s = InferOne(op, inputs, std::move(attrs));
  SCOPED_TRACE(op + " expecting '" + needle + "'");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(op + " 'bad'"), std::string::npos) << s;
  EXPECT_NE(s.message().find(needle), std::string::npos) << s;
}

TEST(NnShapeInference, Errors) {
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 2, 3, 3}}, {}, "channels");
  ExpectError("Conv", {{1, 6, 5, 5}, {4, 2, 3, 3}}, {{"group", int64_t{3}}},
              "not divisible by group");
  ExpectError("Conv", {{1, 1, 2, 2}, {1, 1, 5, 5}}, {},
              "larger than the padded input");
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 3, 3}}, {}, "differ in rank");
  ExpectError("Conv", {{3, 5}, {4, 3}}, {}, "rank 3..5");
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 3, 3, 3}}, {{"strides", Ints{1}}},
              "strides has 1 values");
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 3, 3, 3}},
              {{"kernel_shape", Ints{2, 2}}}, "kernel_shape");
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 3, 3, 3}, {5}}, {}, "bias");
  ExpectError("Conv", {{1, 3, 5, 5}, {4, 3, 3, 3}},
              {{"auto_pad", std::string("SAME")}}, "auto_pad");
  ExpectError("ConvTranspose", {{1, 3, 4, 4}, {2, 2, 3, 3}}, {}, "channels");
  ExpectError("ConvTranspose", {{1, 2, 4, 4}, {2, 2, 3, 3}},
              {{"strides", Ints{2, 2}}, {"output_padding", Ints{2, 0}}},
              "output_padding");
  ExpectError("Gemm", {{3, 4}, {5, 6}}, {}, "inner dimensions");
  ExpectError("Gemm", {{3, 4}, {4, 6}, {4}}, {}, "does not broadcast");
  ExpectError("Gemm", {{3, 4, 1}, {4, 6}}, {}, "must be rank 2");
  ExpectError("MatMul", {{3, 4}, {5, 6}}, {}, "inner dimensions");
  ExpectError("MatMul", {{2, 3, 4}, {3, 4, 6}}, {}, "do not broadcast");
}

TEST(NnShapeInference, DynamicDimsPropagate) {
  graph::ValueType t;
  ASSERT_TRUE(InferOne("Conv", {{-1, 3, 8, 8}, {4, 3, 3, 3}},
                       {{"strides", Ints{2, 2}},
                        {"auto_pad", std::string("SAME_UPPER")}},
                       &t)
                  .ok());
  EXPECT_EQ(t.dims, (Ints{-1, 4, 4, 4}));
  ASSERT_TRUE(InferOne("Conv", {{2, 3, -1, 8}, {4, 3, 3, 3}}, {}, &t).ok());
  EXPECT_EQ(t.dims, (Ints{2, 4, -1, 6}));
  ASSERT_TRUE(InferOne("ConvTranspose", {{-1, 3, 4, 4}, {3, 2, 3, 3}},
                       {{"strides", Ints{2, 2}}, {"group", int64_t{1}}}, &t)
                  .ok());
  EXPECT_EQ(t.dims, (Ints{-1, 2, 9, 9}));
  ASSERT_TRUE(
      InferOne("Gemm", {{-1, 4}, {5, 4}}, {{"transB", int64_t{1}}}, &t).ok());
  EXPECT_EQ(t.dims, (Ints{-1, 5}));
  ASSERT_TRUE(InferOne("MatMul", {{-1, 1, 4, 5}, {3, 5, 6}}, {}, &t).ok());
  EXPECT_EQ(t.dims, (Ints{-1, 3, 4, 6}));
}

Tensor Random(const Ints& dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Tensor t = Tensor::Empty(Shape(dims), DType::kF32).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

DArray ToD(const Tensor& t) {
  DArray d{t.shape().dims(), std::vector<double>(t.numel())};
  for (int64_t i = 0; i < t.numel(); ++i) d.v[i] = t.data<float>()[i];
  return d;
}

// Conv (SAME_UPPER, stride 2) -> MatMul on a batch-dynamic input: the same
// compiled graph runs batches 1 and 3, checked against the references.
TEST(NnShapeInference, DynamicBatchRuns) {
  graph::Graph g;
  auto x = g.AddInput("x", DType::kF32, {-1, 2, 7, 7}).value();
  const Tensor w = Random({3, 2, 3, 3}, 7), b = Random({3}, 8),
               m = Random({4, 5}, 9);
  auto wid = g.AddParameter("w", w).value();
  auto bid = g.AddParameter("b", b).value();
  auto mid = g.AddParameter("m", m).value();
  auto y = g.AddNode("Conv", {x, wid, bid},
                     {{"strides", Ints{2, 2}},
                      {"auto_pad", std::string("SAME_UPPER")}})
               .value()[0];
  auto z = g.AddNode("MatMul", {y, mid}).value()[0];
  ASSERT_TRUE(g.AddOutput(z).ok());
  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_EQ((*cg)->graph().value(z).type.dims, (Ints{-1, 3, 4, 5}));
  engine::Context ctx({2});
  for (int64_t batch : {1, 3}) {
    const Tensor xv = Random({batch, 2, 7, 7}, 10 + batch);
    auto run = (*cg)->Run(ctx, {xv});
    ASSERT_TRUE(run.ok()) << run.status();
    ConvRefParams p;
    p.strides = {2, 2};
    p.pad_begin = {1, 1};  // total (4-1)*2+3-7 = 2
    p.pad_end = {1, 1};
    const DArray bd = ToD(b);
    const DArray want = MatMulRef(ConvRef(ToD(xv), ToD(w), &bd, p), ToD(m));
    const Tensor& got = run->outputs[0];
    ASSERT_EQ(got.shape().dims(), want.dims);
    for (int64_t i = 0; i < got.numel(); ++i) {
      ASSERT_NEAR(got.data<float>()[i], want.v[i], 1e-5) << i;
    }
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
