// Issue 4 integration test: the digits CNN built by hand with graph::Graph
// from the BatchNorm-folded PyTorch weights (tests/data/digits/README.md),
//   Conv(1->16, 3, pad 1) -> Relu -> Conv(16->32, 3, pad 1) -> Relu ->
//   MaxPool(2) -> Flatten -> Gemm(512->64, transB) -> Relu ->
//   Gemm(64->10, transB),
// run on the 450 test images with a dynamic batch dim, compared with
// PyTorch's fp32 logits (|a - b| <= 1e-4 max(1, |b|)) and its accuracy
// (444 / 450 exactly). All ops are the built-in ones (ops::BuiltinOps()).
#include <algorithm>
#include <string>

#include "engine/npy.h"
#include "engine/status.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

Tensor Load(const std::string& name) {
  absl::StatusOr<Tensor> t = engine::ReadNpy("tests/data/digits/" + name);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : Tensor();
}

TEST(DigitsCnn, MatchesPyTorchLogitsAndAccuracy) {
  graph::Graph g;
  auto x = g.AddInput("x", DType::kF32, {-1, 1, 8, 8}).value();
  auto param = [&](const std::string& name) {
    return g.AddParameter(name, Load(name + ".npy")).value();
  };
  auto node = [&](const std::string& op, std::vector<graph::ValueId> in,
                  graph::Attributes attrs, const std::string& name) {
    auto out = g.AddNode(op, std::move(in), std::move(attrs), 1, name);
    EXPECT_TRUE(out.ok()) << out.status();
    return (*out)[0];
  };
  const graph::Attributes pad1 = {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                  {"kernel_shape", std::vector<int64_t>{3, 3}}};
  const graph::Attributes trans_b = {{"transB", int64_t{1}}};
  auto h = node("Conv", {x, param("conv1.weight"), param("conv1.bias")}, pad1,
                "conv1");
  h = node("Relu", {h}, {}, "relu1");
  h = node("Conv", {h, param("conv2.weight"), param("conv2.bias")}, pad1,
           "conv2");
  h = node("Relu", {h}, {}, "relu2");
  h = node("MaxPool", {h},
           {{"kernel_shape", std::vector<int64_t>{2, 2}},
            {"strides", std::vector<int64_t>{2, 2}}},
           "pool");
  h = node("Flatten", {h}, {{"axis", int64_t{1}}}, "flatten");
  h = node("Gemm", {h, param("fc1.weight"), param("fc1.bias")}, trans_b, "fc1");
  h = node("Relu", {h}, {}, "relu3");
  h = node("Gemm", {h, param("fc2.weight"), param("fc2.bias")}, trans_b, "fc2");
  ASSERT_TRUE(g.AddOutput(h).ok());

  auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  EXPECT_EQ((*cg)->graph().value(h).type.dims, (std::vector<int64_t>{-1, 10}));

  const Tensor images = Load("digits_test_x.npy");
  const Tensor want = Load("digits_test_logits_fp32.npy");
  const Tensor labels = Load("digits_test_y.npy");
  ASSERT_EQ(images.shape(), Shape({450, 1, 8, 8}));
  ASSERT_EQ(labels.dtype(), DType::kI64);
  engine::Context ctx({2});
  auto run = (*cg)->Run(ctx, {images});
  ASSERT_TRUE(run.ok()) << run.status();
  const Tensor& logits = run->outputs[0];
  ASSERT_EQ(logits.shape(), want.shape());

  const float* got = logits.data<float>();
  const float* ref = want.data<float>();
  double worst = 0;
  for (int64_t i = 0; i < logits.numel(); ++i) {
    const double tol = 1e-4 * std::max(1.0, std::fabs(double{ref[i]}));
    EXPECT_LE(std::fabs(double{got[i]} - ref[i]), tol) << "logit " << i;
    worst = std::max(worst, std::fabs(double{got[i]} - ref[i]));
  }
  int correct = 0;
  for (int64_t n = 0; n < 450; ++n) {
    const float* row = got + n * 10;
    const int64_t arg = std::max_element(row, row + 10) - row;
    correct += arg == labels.data<int64_t>()[n];
  }
  EXPECT_EQ(correct, 444) << "accuracy " << correct / 450.0;
  RecordProperty("max_abs_logit_error", std::to_string(worst));
}

}  // namespace
}  // namespace quantsim::ops
