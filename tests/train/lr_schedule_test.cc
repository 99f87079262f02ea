#include "train/lr_schedule.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace quantsim::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

void ExpectLrs(const LrSchedule& s, double base, std::vector<double> want) {
  for (size_t e = 0; e < want.size(); ++e) {
    EXPECT_DOUBLE_EQ(s.Lr(base, static_cast<int64_t>(e)), want[e])
        << "epoch " << e;
  }
}

TEST(LrScheduleTest, Constant) {
  ExpectLrs(*ConstantLr(), 0.3, {0.3, 0.3, 0.3});
}

TEST(LrScheduleTest, StepDecaysEveryStepSizeEpochs) {
  ExpectLrs(*StepLr(3, 0.5).value(), 2.0,
            {2, 2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.25});
}

TEST(LrScheduleTest, MultiStepDecaysAtEachMilestone) {
  ExpectLrs(*MultiStepLr({2, 5, 5}, 0.1).value(), 1.0,
            {1, 1, 0.1, 0.1, 0.1, 0.001, 0.001});
}

TEST(LrScheduleTest, CosineAnnealingClosedForm) {
  // eta_min + (base - eta_min) (1 + cos(pi e / T)) / 2, T = 4.
  const double c1 = 0.1 + 0.9 * (1 + std::cos(kPi / 4)) / 2;  // 0.86820...
  ExpectLrs(*CosineAnnealingLr(4, 0.1).value(), 1.0,
            {1.0, c1, 0.55, 0.1 + 0.1 + 0.9 - c1, 0.1});
  EXPECT_NEAR(c1, 0.8681980515, 1e-9);
}

TEST(LrScheduleTest, LinearWarmupThenInner) {
  auto s = LinearWarmup(4, 0.25, StepLr(2, 0.1).value()).value();
  // 0.25 + 0.75 e / 4 for e < 4, then StepLr at e - 4.
  ExpectLrs(*s, 0.8, {0.2, 0.35, 0.5, 0.65, 0.8, 0.8, 0.08, 0.08});
}

TEST(LrScheduleTest, ApplyScheduleScalesEachGroupsInitialLr) {
  std::vector<ParamGroup> groups(2);
  groups[0].params = {
      {"w", engine::Tensor::Zeros({2}, engine::DType::kF32).value()}};
  groups[1].params = {
      {"e", engine::Tensor::Zeros({1}, engine::DType::kF32).value()}};
  groups[1].lr = 0.01;
  SgdOptions o;
  o.lr = 0.1;
  auto sgd = Sgd::Create(groups, o).value();
  auto step = StepLr(1, 0.5).value();
  ApplySchedule(*step, 2, sgd.get());
  EXPECT_DOUBLE_EQ(sgd->lr(0), 0.025);
  EXPECT_DOUBLE_EQ(sgd->lr(1), 0.0025);
  ApplySchedule(*step, 0, sgd.get());  // from initial_lr, not compounding
  EXPECT_DOUBLE_EQ(sgd->lr(0), 0.1);
}

TEST(LrScheduleTest, RejectsBadArguments) {
  EXPECT_FALSE(StepLr(0, 0.1).ok());
  EXPECT_FALSE(MultiStepLr({5, 2}, 0.1).ok());
  EXPECT_FALSE(CosineAnnealingLr(0, 0).ok());
  EXPECT_FALSE(LinearWarmup(0, 0.5, ConstantLr()).ok());
  EXPECT_FALSE(LinearWarmup(3, 0.0, ConstantLr()).ok());
  EXPECT_FALSE(LinearWarmup(3, 0.5, nullptr).ok());
}

}  // namespace
}  // namespace quantsim::train
