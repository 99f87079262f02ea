#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace quantsim::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

class Constant : public LrSchedule {
 public:
  double Lr(double base, int64_t) const override { return base; }
};

class Step : public LrSchedule {
 public:
  Step(int64_t step_size, double gamma)
      : step_size_(step_size), gamma_(gamma) {}
  double Lr(double base, int64_t e) const override {
    return base * std::pow(gamma_, static_cast<double>(e / step_size_));
  }

 private:
  int64_t step_size_;
  double gamma_;
};

class MultiStep : public LrSchedule {
 public:
  MultiStep(std::vector<int64_t> milestones, double gamma)
      : milestones_(std::move(milestones)), gamma_(gamma) {}
  double Lr(double base, int64_t e) const override {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), e) -
        milestones_.begin();
    return base * std::pow(gamma_, static_cast<double>(passed));
  }

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

class Cosine : public LrSchedule {
 public:
  Cosine(int64_t t_max, double eta_min) : t_max_(t_max), eta_min_(eta_min) {}
  double Lr(double base, int64_t e) const override {
    return eta_min_ + (base - eta_min_) *
                          (1 + std::cos(kPi * static_cast<double>(e) /
                                        static_cast<double>(t_max_))) /
                          2;
  }

 private:
  int64_t t_max_;
  double eta_min_;
};

class Warmup : public LrSchedule {
 public:
  Warmup(int64_t warmup, double start_factor, std::unique_ptr<LrSchedule> after)
      : warmup_(warmup),
        start_factor_(start_factor),
        after_(std::move(after)) {}
  double Lr(double base, int64_t e) const override {
    if (e >= warmup_) return after_->Lr(base, e - warmup_);
    if (e < 0) e = 0;
    return base *
           (start_factor_ + (1 - start_factor_) * static_cast<double>(e) /
                                static_cast<double>(warmup_));
  }

 private:
  int64_t warmup_;
  double start_factor_;
  std::unique_ptr<LrSchedule> after_;
};

bool Finite(double v) { return std::isfinite(v); }

}  // namespace

std::unique_ptr<LrSchedule> ConstantLr() {
  return std::make_unique<Constant>();
}

absl::StatusOr<std::unique_ptr<LrSchedule>> StepLr(int64_t step_size,
                                                   double gamma) {
  if (step_size <= 0 || !Finite(gamma) || gamma < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("StepLr: step_size must be > 0 and gamma >= 0, got ",
                     step_size, " and ", gamma));
  }
  return std::make_unique<Step>(step_size, gamma);
}

absl::StatusOr<std::unique_ptr<LrSchedule>> MultiStepLr(
    std::vector<int64_t> milestones, double gamma) {
  if (!std::is_sorted(milestones.begin(), milestones.end()) || !Finite(gamma) ||
      gamma < 0) {
    return absl::InvalidArgumentError(
        "MultiStepLr: milestones must be increasing and gamma >= 0");
  }
  return std::make_unique<MultiStep>(std::move(milestones), gamma);
}

absl::StatusOr<std::unique_ptr<LrSchedule>> CosineAnnealingLr(int64_t t_max,
                                                              double eta_min) {
  if (t_max <= 0 || !Finite(eta_min) || eta_min < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CosineAnnealingLr: T_max must be > 0 and eta_min >= 0, got ", t_max,
        " and ", eta_min));
  }
  return std::make_unique<Cosine>(t_max, eta_min);
}

absl::StatusOr<std::unique_ptr<LrSchedule>> LinearWarmup(
    int64_t warmup, double start_factor, std::unique_ptr<LrSchedule> after) {
  if (warmup <= 0 || !(start_factor > 0 && start_factor <= 1) || !after) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LinearWarmup: warmup must be > 0, start_factor in (0, 1] and a "
        "schedule must follow, got ",
        warmup, " and ", start_factor));
  }
  return std::make_unique<Warmup>(warmup, start_factor, std::move(after));
}

void ApplySchedule(const LrSchedule& schedule, int64_t epoch,
                   Optimizer* optimizer) {
  for (int g = 0; g < optimizer->num_groups(); ++g) {
    optimizer->set_lr(g, schedule.Lr(optimizer->initial_lr(g), epoch));
  }
}

}  // namespace quantsim::train
