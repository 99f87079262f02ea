// Optimizer state: train 5 steps == train 2, save, load into a fresh
// optimizer, train 3 (bit for bit); corrupt or mismatched state is refused.
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/file.h"
#include "gtest/gtest.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace quantsim::train {
namespace {

using engine::Shape;
using engine::Tensor;

Tensor Filled(int64_t n, double phase) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(std::sin(i + phase));
  return Tensor::FromVector(Shape({n}), v).value();
}

std::vector<Param> Params() {
  return {{"conv.weight", Filled(7, 0.1)}, {"conv.bias", Filled(3, 0.2)}};
}

std::vector<Tensor> Grads(int step) {
  return {Filled(7, 1.7 * step), Filled(3, 0.9 * step + 2)};
}

std::vector<ParamGroup> Groups(std::vector<Param> params) {
  std::vector<ParamGroup> g(2);
  g[0].params = {params[0]};
  g[1].params = {params[1]};
  g[1].lr = 0.003;
  return g;
}

using Factory =
    std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

std::string TmpPath(const std::string& name) {
  return std::string(getenv("TEST_TMPDIR")) + "/" + name;
}

void ExpectBitEqual(const std::vector<Param>& a, const std::vector<Param>& b) {
  for (size_t p = 0; p < a.size(); ++p) {
    for (int64_t i = 0; i < a[p].tensor.numel(); ++i) {
      EXPECT_EQ(a[p].tensor.data<float>()[i], b[p].tensor.data<float>()[i])
          << a[p].name << "[" << i << "]";
    }
  }
}

void CheckResume(const Factory& make) {
  auto schedule = CosineAnnealingLr(5, 1e-4).value();
  // Reference: 5 uninterrupted steps, lr annealed every step.
  std::vector<Param> ref = Params();
  std::unique_ptr<Optimizer> a = make(Groups(ref));
  for (int t = 0; t < 5; ++t) {
    ApplySchedule(*schedule, t, a.get());
    ASSERT_TRUE(a->Step(Grads(t)).ok());
  }
  // 2 steps, save, fresh optimizer over the same tensors, load, 3 steps.
  std::vector<Param> resumed = Params();
  const std::string path = TmpPath(std::string(a->kind()) + ".qsopt");
  {
    std::unique_ptr<Optimizer> b = make(Groups(resumed));
    for (int t = 0; t < 2; ++t) {
      ApplySchedule(*schedule, t, b.get());
      ASSERT_TRUE(b->Step(Grads(t)).ok());
    }
    ASSERT_TRUE(b->Save(path).ok());
  }
  std::unique_ptr<Optimizer> c = make(Groups(resumed));
  ASSERT_TRUE(c->Load(path).ok());
  EXPECT_EQ(c->num_steps(), 2);
  EXPECT_EQ(c->lr(0), schedule->Lr(c->initial_lr(0), 1));
  for (int t = 2; t < 5; ++t) {
    ApplySchedule(*schedule, t, c.get());
    ASSERT_TRUE(c->Step(Grads(t)).ok());
  }
  ExpectBitEqual(ref, resumed);
  // And the state itself is identical.
  const StateDict sa = a->GetState(), sc = c->GetState();
  ASSERT_EQ(sa.size(), sc.size());
  for (const auto& [key, t] : sa) {
    ASSERT_EQ(sc.count(key), 1u) << key;
    const Tensor& u = sc.at(key);
    ASSERT_EQ(t.nbytes(), u.nbytes()) << key;
    EXPECT_EQ(0, memcmp(t.raw_data(), u.raw_data(), t.nbytes())) << key;
  }
}

TEST(OptimizerStateTest, SgdNesterovResumesBitExactly) {
  CheckResume([](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
    SgdOptions o;
    o.lr = 0.05;
    o.momentum = 0.9;
    o.nesterov = true;
    o.weight_decay = 1e-3;
    return Sgd::Create(std::move(g), o).value();
  });
}

TEST(OptimizerStateTest, AdamAmsgradResumesBitExactly) {
  CheckResume([](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
    AdamOptions o;
    o.lr = 0.01;
    o.amsgrad = true;
    o.weight_decay = 1e-2;
    return Adam::CreateAdamW(std::move(g), o).value();
  });
}

TEST(OptimizerStateTest, StateNamesFollowParameterNames) {
  std::vector<Param> p = Params();
  auto adam = Adam::Create(Groups(p), AdamOptions()).value();
  ASSERT_TRUE(adam->Step(Grads(0)).ok());
  const StateDict s = adam->GetState();
  for (const char* key :
       {"conv.weight/exp_avg", "conv.weight/exp_avg_sq", "conv.weight/step",
        "conv.bias/exp_avg", "group0/lr", "group1/lr", "optimizer/num_steps"}) {
    EXPECT_EQ(s.count(key), 1u) << key;
  }
  EXPECT_EQ(s.at("conv.weight/exp_avg").shape(), Shape({7}));
  EXPECT_EQ(s.at("group1/lr").data<double>()[0], 0.003);
}

TEST(OptimizerStateTest, RefusesStateThatDoesNotFit) {
  std::vector<Param> p = Params();
  auto sgd = Sgd::Create(Groups(p), SgdOptions{0.1, 0.9}).value();
  ASSERT_TRUE(sgd->Step(Grads(0)).ok());
  const std::string path = TmpPath("sgd_state.qsopt");
  ASSERT_TRUE(sgd->Save(path).ok());

  // Another optimizer kind.
  auto adam = Adam::Create(Groups(Params()), AdamOptions()).value();
  absl::Status s = adam->Load(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;

  // A parameter of another shape.
  std::vector<Param> other = Params();
  other[1].tensor = Filled(4, 0);
  auto sgd2 = Sgd::Create(Groups(other), SgdOptions{0.1, 0.9}).value();
  s = sgd2->Load(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("conv.bias/momentum_buffer"), std::string::npos);

  // An entry naming no parameter.
  StateDict state = sgd->GetState();
  state["fc.weight/momentum_buffer"] = Filled(2, 0);
  s = sgd->SetState(state);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("fc.weight"), std::string::npos) << s;

  // Truncated and corrupt files.
  std::string bytes = engine::ReadFile(path).value();
  ASSERT_TRUE(
      engine::WriteFileAtomic(path + ".cut", bytes.substr(0, bytes.size() - 3))
          .ok());
  EXPECT_EQ(sgd->Load(path + ".cut").code(), absl::StatusCode::kDataLoss);
  bytes[0] = 'X';
  ASSERT_TRUE(engine::WriteFileAtomic(path + ".bad", bytes).ok());
  EXPECT_EQ(sgd->Load(path + ".bad").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(sgd->Load(path + ".missing").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace quantsim::train
