// End to end: train the digits CNN (the BN-folded topology of
// ../shared/tools/torch/digits_cnn.py) from scratch with Adam and reach
// >= 97% test accuracy. Skips until every op it needs is in
// ops::BuiltinOps(), so it turns on by itself when those ops land.
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "engine/context.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "train/loop.h"
#include "train/trainer.h"

namespace quantsim::train {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::Graph;
using graph::ValueId;

const char* const kRequiredOps[] = {
    "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "SoftmaxCrossEntropyLoss"};

std::vector<std::string> MissingOps() {
  std::vector<std::string> missing;
  for (const char* op : kRequiredOps) {
    if (!ops::BuiltinOps().Find(op).ok()) missing.push_back(op);
  }
  return missing;
}

// PyTorch's default init for Conv2d / Linear: weight and bias uniform in
// +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)).
Tensor Uniform(std::mt19937& rng, std::vector<int64_t> dims, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  Tensor t = Tensor::Empty(Shape(dims), DType::kF32).value();
  for (int64_t i = 0; i < t.numel(); ++i) {
    t.data<float>()[i] =
        static_cast<float>((rng() / 4294967296.0 * 2 - 1) * bound);
  }
  return t;
}

struct DigitsNet {
  Graph g;
  ValueId loss;
  DigitsNet() {
    std::mt19937 rng(0);
    auto param = [&](const std::string& name, std::vector<int64_t> dims,
                     int64_t fan_in) {
      return g.AddParameter(name, Uniform(rng, dims, fan_in)).value();
    };
    ValueId x = g.AddInput("input", DType::kF32, {-1, 1, 8, 8}).value();
    ValueId y = g.AddInput("labels", DType::kI64, {-1}).value();
    const graph::Attributes conv = {
        {"kernel_shape", std::vector<int64_t>{3, 3}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}}};
    ValueId h = g.AddNode("Conv",
                          {x, param("conv1.weight", {16, 1, 3, 3}, 9),
                           param("conv1.bias", {16}, 9)},
                          conv, 1, "conv1")
                    .value()[0];
    h = g.AddNode("Relu", {h}).value()[0];
    h = g.AddNode("Conv",
                  {h, param("conv2.weight", {32, 16, 3, 3}, 144),
                   param("conv2.bias", {32}, 144)},
                  conv, 1, "conv2")
            .value()[0];
    h = g.AddNode("Relu", {h}).value()[0];
    h = g.AddNode("MaxPool", {h},
                  {{"kernel_shape", std::vector<int64_t>{2, 2}},
                   {"strides", std::vector<int64_t>{2, 2}}})
            .value()[0];
    h = g.AddNode("Flatten", {h}, {{"axis", int64_t{1}}}).value()[0];
    const graph::Attributes gemm = {{"transB", int64_t{1}}};
    h = g.AddNode("Gemm",
                  {h, param("fc1.weight", {64, 512}, 512),
                   param("fc1.bias", {64}, 512)},
                  gemm, 1, "fc1")
            .value()[0];
    h = g.AddNode("Relu", {h}).value()[0];
    ValueId logits = g.AddNode("Gemm",
                               {h, param("fc2.weight", {10, 64}, 64),
                                param("fc2.bias", {10}, 64)},
                               gemm, 1, "fc2", {"logits"})
                         .value()[0];
    loss = g.AddNode("SoftmaxCrossEntropyLoss", {logits, y}, {}, 1, "loss")
               .value()[0];
    (void)g.AddOutput(logits);
  }
};

TEST(DigitsTrainTest, AdamReaches97PercentTestAccuracy) {
  const std::vector<std::string> missing = MissingOps();
  if (!missing.empty()) {
    GTEST_SKIP() << "ops::BuiltinOps() lacks " << absl::StrJoin(missing, ", ")
                 << " (needed to train the digits CNN; this test turns on "
                    "when they are registered)";
  }
  const std::string dir = "tests/data/digits/";
  Dataset train =
      Dataset::FromNpy(dir + "digits_train_x.npy", dir + "digits_train_y.npy")
          .value();
  Dataset test =
      Dataset::FromNpy(dir + "digits_test_x.npy", dir + "digits_test_y.npy")
          .value();
  ASSERT_EQ(train.size(), 1347);
  ASSERT_EQ(test.size(), 450);

  DigitsNet net;
  engine::Context ctx;
  auto trainer =
      Trainer::Create(net.g, net.loss, ops::BuiltinOps(), &ctx).value();
  AdamOptions adam;
  adam.lr = 3e-3;  // as digits_cnn.py
  ASSERT_TRUE(
      trainer
          ->SetOptimizer(
              Adam::Create(SingleGroup(trainer->parameters()), adam).value())
          .ok());
  FitOptions fit;
  fit.epochs = 15;
  fit.batch_size = 64;
  fit.seed = 0;
  fit.logits_output = 0;
  double first_loss = 0, last_loss = 0;
  fit.on_epoch = [&](const EpochInfo& e) {
    if (e.epoch == 0) first_loss = e.loss;
    last_loss = e.loss;
    printf("epoch %2lld  loss %.4f  train acc %.4f  %.0f samples/s\n",
           static_cast<long long>(e.epoch), e.loss, e.accuracy,
           e.samples_per_second);
    return absl::OkStatus();
  };
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Fit(*trainer, train, fit).ok());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EvalResult r = EvaluateDataset(*trainer, test, 225, 0).value();
  printf("test accuracy %.4f, loss %.4f, training %.1f s\n", r.accuracy, r.loss,
         seconds);
  EXPECT_LT(last_loss, first_loss / 5);
  EXPECT_GE(r.accuracy, 0.97);
}

}  // namespace
}  // namespace quantsim::train
