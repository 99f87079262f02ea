// quantsim train: learning-rate schedules (PyTorch's closed forms).
//
// Contract: a schedule maps (base lr, epoch) to the lr of that epoch, where
// "epoch" is whatever the caller steps it by (epochs or optimizer steps),
// starting at 0. Formulas (torch.optim.lr_scheduler, closed forms):
//  - Constant:    base
//  - Step:        base * gamma^floor(e / step_size)
//  - MultiStep:   base * gamma^(number of milestones <= e)
//  - Cosine:      eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2
//  - LinearWarmup(W, f, after): for e < W, base * (f + (1 - f) * e / W)
//    (torch LinearLR(start_factor=f, end_factor=1, total_iters=W)); from
//    e = W on, after(base, e - W) (torch SequentialLR with milestone W).
// Schedules are immutable and thread-safe. Factories return InvalidArgument
// for bad arguments. ApplySchedule sets every group's lr from its initial lr.
#ifndef QUANTSIM_TRAIN_LR_SCHEDULE_H_
#define QUANTSIM_TRAIN_LR_SCHEDULE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "train/optimizer.h"

namespace quantsim::train {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  virtual double Lr(double base_lr, int64_t epoch) const = 0;
};

std::unique_ptr<LrSchedule> ConstantLr();
absl::StatusOr<std::unique_ptr<LrSchedule>> StepLr(int64_t step_size,
                                                   double gamma);
// Milestones must be increasing (repeats are allowed, as in torch: each
// counts).
absl::StatusOr<std::unique_ptr<LrSchedule>> MultiStepLr(
    std::vector<int64_t> milestones, double gamma);
absl::StatusOr<std::unique_ptr<LrSchedule>> CosineAnnealingLr(int64_t t_max,
                                                              double eta_min);
absl::StatusOr<std::unique_ptr<LrSchedule>> LinearWarmup(
    int64_t warmup, double start_factor, std::unique_ptr<LrSchedule> after);

// Sets group g's lr to schedule.Lr(optimizer->initial_lr(g), epoch).
void ApplySchedule(const LrSchedule& schedule, int64_t epoch,
                   Optimizer* optimizer);

}  // namespace quantsim::train

#endif  // QUANTSIM_TRAIN_LR_SCHEDULE_H_
