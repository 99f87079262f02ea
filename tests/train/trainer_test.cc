// Trainer: gradient accumulation, train/eval modes, and convergence of a
// linear regression to its known solution (graphs from tests/train/test_ops).
#include "train/trainer.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/train/test_ops.h"
#include "train/loop.h"

namespace quantsim::train {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::Graph;
using graph::ValueId;

Tensor Mat(int64_t r, int64_t c, std::vector<float> v) {
  return Tensor::FromVector(Shape({r, c}), v).value();
}

// loss = sum((x w + b - y)^2), x [N, 3], y [N, 1]; outputs: {loss, pred}.
struct LinearRegression {
  Graph g;
  ValueId loss;
  explicit LinearRegression(std::vector<float> w0 = {0.5f, -0.25f, 1.0f},
                            float b0 = 0.75f) {
    ValueId x = g.AddInput("x", DType::kF32, {-1, 3}).value();
    ValueId y = g.AddInput("y", DType::kF32, {-1, 1}).value();
    ValueId w = g.AddParameter("w", Mat(3, 1, w0)).value();
    ValueId b =
        g.AddParameter("b", Tensor::FromVector<float>(Shape({1}), {b0}).value())
            .value();
    ValueId xw = g.AddNode("TMatMul", {x, w}).value()[0];
    ValueId pred = g.AddNode("TAddBias", {xw, b}, {}, 1, "pred").value()[0];
    ValueId d = g.AddNode("TSub", {pred, y}).value()[0];
    ValueId sq = g.AddNode("TMul", {d, d}).value()[0];
    loss = g.AddNode("TSumAll", {sq}, {}, 1, "loss").value()[0];
    (void)g.AddOutput(loss);
    (void)g.AddOutput(pred);
  }
};

const engine::Context& Ctx() {
  static const engine::Context* ctx = new engine::Context({2});
  return *ctx;
}

std::unique_ptr<Trainer> MakeTrainer(const Graph& g, ValueId loss,
                                     int accumulation, double lr) {
  TrainerOptions o;
  o.accumulation_steps = accumulation;
  auto t =
      Trainer::Create(g, loss, testing::TrainTestRegistry(), &Ctx(), o).value();
  SgdOptions so;
  so.lr = lr;
  so.momentum = 0.5;
  EXPECT_TRUE(
      t->SetOptimizer(Sgd::Create(SingleGroup(t->parameters()), so).value())
          .ok());
  return t;
}

// Small integers and dyadic parameters: every product and sum is exact in
// f32, so accumulation order cannot matter and results compare bit for bit.
const std::vector<float> kX = {1, 2, -1, 0, 1, 3, -2, 1, 1, 2, 2, -1};
const std::vector<float> kY = {1, -2, 3, 0};

Tensor Rows(const std::vector<float>& v, int64_t cols, int64_t begin,
            int64_t n) {
  return Mat(n, cols,
             std::vector<float>(v.begin() + begin * cols,
                                v.begin() + (begin + n) * cols));
}

void ExpectSameBits(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()));
}

TEST(TrainerTest, AccumulatingTwoMicroBatchesEqualsOneBatchOfBoth) {
  LinearRegression whole, split;
  // lr 1/64 keeps the parameters short dyadic numbers for a few steps.
  auto one = MakeTrainer(whole.g, whole.loss, 1, 1.0 / 64);
  auto two = MakeTrainer(split.g, split.loss, 2, 1.0 / 64);
  for (int step = 0; step < 3; ++step) {
    StepOutput o = one->Step({Rows(kX, 3, 0, 4), Rows(kY, 1, 0, 4)}).value();
    EXPECT_TRUE(o.applied);
    StepOutput a = two->Step({Rows(kX, 3, 0, 2), Rows(kY, 1, 0, 2)}).value();
    EXPECT_FALSE(a.applied);
    EXPECT_EQ(two->pending_micro_batches(), 1);
    StepOutput b = two->Step({Rows(kX, 3, 2, 2), Rows(kY, 1, 2, 2)}).value();
    EXPECT_TRUE(b.applied);
    EXPECT_EQ(two->pending_micro_batches(), 0);
    // Each loss is rounded to f32 once (squares of non-dyadic residuals
    // after the first update): equal up to that rounding.
    EXPECT_FLOAT_EQ(a.loss + b.loss, o.loss) << "step " << step;
    for (size_t p = 0; p < one->parameters().size(); ++p) {
      ExpectSameBits(one->parameters()[p].tensor, two->parameters()[p].tensor);
    }
  }
  // The parameters moved (the test above could have compared no-ops).
  EXPECT_NE(one->parameters()[0].tensor.data<float>()[0], 0.5f);
}

TEST(TrainerTest, AccumulatedGradientIsTheSumOfMicroBatchGradients) {
  LinearRegression lr;
  auto t = MakeTrainer(lr.g, lr.loss, 2, 0.01);
  ASSERT_TRUE(t->Backward({Rows(kX, 3, 0, 4), Rows(kY, 1, 0, 4)}).ok());
  const std::vector<Tensor> full = {t->gradients()[0].Clone().value(),
                                    t->gradients()[1].Clone().value()};
  t->ZeroGrad();
  EXPECT_FALSE(t->gradients()[0].defined());
  ASSERT_TRUE(t->Backward({Rows(kX, 3, 0, 2), Rows(kY, 1, 0, 2)}).ok());
  const Tensor first = t->gradients()[0].Clone().value();
  ASSERT_TRUE(t->Backward({Rows(kX, 3, 2, 2), Rows(kY, 1, 2, 2)}).ok());
  ExpectSameBits(t->gradients()[0], full[0]);
  ExpectSameBits(t->gradients()[1], full[1]);
  // d/dw sum((xw + b - y)^2) = 2 x^T (xw + b - y), by hand for element 0.
  double g0 = 0;
  const float w[3] = {0.5f, -0.25f, 1.0f};
  for (int i = 0; i < 4; ++i) {
    const double r = kX[3 * i] * w[0] + kX[3 * i + 1] * w[1] +
                     kX[3 * i + 2] * w[2] + 0.75 - kY[i];
    g0 += 2 * kX[3 * i] * r;
  }
  EXPECT_EQ(full[0].data<float>()[0], g0);
  EXPECT_NE(first.data<float>()[0], full[0].data<float>()[0]);
}

TEST(TrainerTest, EvalRunsTheForwardGraphWithTrainingOff) {
  // loss = sum(TrainScale(x * w)): 2 * sum(x w) in training, sum(x w) else.
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {2, 1}).value();
  ValueId w = g.AddParameter("w", Mat(2, 1, {1.5f, -0.5f})).value();
  ValueId xw = g.AddNode("TMul", {x, w}).value()[0];
  ValueId s = g.AddNode("TrainScale", {xw}).value()[0];
  ValueId loss = g.AddNode("TSumAll", {s}).value()[0];
  (void)g.AddOutput(loss);
  auto t = MakeTrainer(g, loss, 1, 0.1);
  const Tensor in = Mat(2, 1, {2, 4});
  EXPECT_EQ(t->Evaluate({in}).value().loss, 1.0f);  // 3 - 2
  EXPECT_EQ(t->Forward({in}).value().outputs[0].data<float>()[0], 2.0f);
  t->Eval();
  EXPECT_FALSE(t->training());
  EXPECT_EQ(t->Forward({in}).value().outputs[0].data<float>()[0], 1.0f);
  absl::StatusOr<StepOutput> step = t->Step({in});
  EXPECT_EQ(step.status().code(), absl::StatusCode::kFailedPrecondition);
  t->Train();
  StepOutput o = t->Step({in}).value();
  EXPECT_EQ(o.loss, 2.0f);
  // dw = 2 x; w -= 0.1 * dw (first momentum step: buf = d).
  EXPECT_EQ(t->parameters()[0].tensor.data<float>()[0], 1.5f - 0.1f * 4.0f);
  // The forward-only graph sees the in-place update.
  EXPECT_FLOAT_EQ(t->Evaluate({in}).value().loss,
                  2 * (1.5f - 0.4f) + 4 * (-0.5f - 0.8f));
}

TEST(TrainerTest, ConvergesToTheLinearRegressionSolution) {
  // y = x w* + b*, N = 60 (batches of 16: the last one has 12 samples).
  const std::vector<double> w_star = {1.5, -2.0, 0.5};
  const double b_star = 0.3;
  const int64_t n = 60;
  std::vector<float> xs(n * 3), ys(n);
  std::mt19937 rng(5);  // x ~ U(-1, 1), full rank
  for (int64_t i = 0; i < n; ++i) {
    double y = b_star;
    for (int j = 0; j < 3; ++j) {
      xs[i * 3 + j] = static_cast<float>(rng() / 4294967296.0 * 2 - 1);
      y += w_star[j] * xs[i * 3 + j];
    }
    ys[i] = static_cast<float>(y);
  }
  Dataset data = Dataset::Create(Mat(n, 3, xs), Mat(n, 1, ys)).value();
  LinearRegression lr({0, 0, 0}, 0);
  auto t = MakeTrainer(lr.g, lr.loss, 1, 0.02);
  FitOptions fit;
  fit.epochs = 60;
  fit.batch_size = 16;
  fit.seed = 7;
  std::vector<int64_t> sizes;
  double first_loss = -1, last_epoch_loss = -1;
  fit.on_step = [&](const StepInfo& s) {
    if (s.epoch == 0) sizes.push_back(s.batch_size);
    if (first_loss < 0) first_loss = s.loss;
    EXPECT_EQ(s.accuracy, -1);  // float targets: no accuracy
    EXPECT_GT(s.samples_per_second, 0);
    return absl::OkStatus();
  };
  int epochs = 0;
  fit.on_epoch = [&](const EpochInfo& e) {
    ++epochs;
    last_epoch_loss = e.loss;
    return absl::OkStatus();
  };
  ASSERT_TRUE(Fit(*t, data, fit).ok());
  EXPECT_EQ(epochs, 60);
  EXPECT_EQ(sizes, (std::vector<int64_t>{16, 16, 16, 12}));
  EXPECT_LT(last_epoch_loss, 1e-8 * first_loss);
  const float* w = t->parameters()[0].tensor.data<float>();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(w[j], w_star[j], 1e-4) << j;
  EXPECT_NEAR(t->parameters()[1].tensor.data<float>()[0], b_star, 1e-4);
  EvalResult ev = EvaluateDataset(*t, data, 25).value();
  EXPECT_EQ(ev.samples, n);
  EXPECT_LT(ev.loss, 1e-6);
}

TEST(TrainerTest, RejectsMisuse) {
  LinearRegression lr;
  EXPECT_FALSE(
      Trainer::Create(lr.g, lr.loss, testing::TrainTestRegistry(), nullptr)
          .ok());
  TrainerOptions bad;
  bad.parameters = {"pred"};
  EXPECT_FALSE(
      Trainer::Create(lr.g, lr.loss, testing::TrainTestRegistry(), &Ctx(), bad)
          .ok());
  auto t = Trainer::Create(lr.g, lr.loss, testing::TrainTestRegistry(), &Ctx())
               .value();
  EXPECT_EQ(t->Step({Rows(kX, 3, 0, 4), Rows(kY, 1, 0, 4)}).status().code(),
            absl::StatusCode::kFailedPrecondition);  // no optimizer
  EXPECT_EQ(t->ApplyGradients().code(), absl::StatusCode::kFailedPrecondition);
  // An optimizer over a tensor that is not the trainer's.
  Param foreign{"w", Mat(3, 1, {0, 0, 0})};
  absl::Status s = t->SetOptimizer(
      Sgd::Create(SingleGroup({foreign}), SgdOptions()).value());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  // Only some parameters trained: the others stay put.
  TrainerOptions only_b;
  only_b.parameters = {"b"};
  auto tb = Trainer::Create(lr.g, lr.loss, testing::TrainTestRegistry(), &Ctx(),
                            only_b)
                .value();
  ASSERT_EQ(tb->parameters().size(), 1u);
  EXPECT_EQ(tb->parameters()[0].name, "b");
}

}  // namespace
}  // namespace quantsim::train
