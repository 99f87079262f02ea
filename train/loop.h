// quantsim train: a small training loop over a Dataset.
//
// Contract:
//  - Fit drives a Trainer (train mode) for `epochs` epochs over batches of
//    (x, y) fed as the graph's two inputs, in that order. Each epoch's order
//    is Permutation(N, seed, epoch) when shuffling; the last partial batch
//    is kept. The schedule (if any) sets the lr before each epoch (or each
//    step with schedule_per_step) from the groups' initial lrs.
//  - Reported loss is the Trainer's loss value per batch; epoch loss is the
//    sample-weighted mean of batch losses (the mean loss for a mean-reduced
//    loss). Accuracy is argmax(logits) == label over samples when
//    logits_output names a graph output of shape [B, C] and y holds integer
//    class labels; otherwise it is reported as -1.
//  - A callback returning an error stops Fit with that error.
#ifndef QUANTSIM_TRAIN_LOOP_H_
#define QUANTSIM_TRAIN_LOOP_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "train/dataset.h"
#include "train/lr_schedule.h"
#include "train/trainer.h"

namespace quantsim::train {

struct StepInfo {
  int64_t epoch = 0;
  int64_t batch = 0;        // within the epoch
  int64_t global_step = 0;  // micro-batches since Fit began
  int64_t batch_size = 0;
  double loss = 0;
  double accuracy = -1;
  double samples_per_second = 0;
  double lr = 0;  // group 0's
};

struct EpochInfo {
  int64_t epoch = 0;
  double loss = 0;
  double accuracy = -1;
  double samples_per_second = 0;
  double seconds = 0;
};

struct FitOptions {
  int64_t epochs = 1;
  int64_t batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  int logits_output = -1;  // graph output index holding [B, C] logits
  const LrSchedule* schedule = nullptr;
  bool schedule_per_step = false;
  std::function<absl::Status(const StepInfo&)> on_step;
  std::function<absl::Status(const EpochInfo&)> on_epoch;
};

absl::Status Fit(Trainer& trainer, const Dataset& data,
                 const FitOptions& options);

struct EvalResult {
  double loss = 0;  // sample-weighted mean of batch losses
  double accuracy = -1;
  int64_t samples = 0;
  double samples_per_second = 0;
};

// Runs the forward-only graph (training = false) over `data` in order.
absl::StatusOr<EvalResult> EvaluateDataset(const Trainer& trainer,
                                           const Dataset& data,
                                           int64_t batch_size,
                                           int logits_output = -1);

// Samples whose argmax over logits [B, C] (f32) equals the integer label
// (i32 / i64 [B]); InvalidArgument for other shapes or dtypes.
absl::StatusOr<int64_t> CountCorrect(const engine::Tensor& logits,
                                     const engine::Tensor& labels);

}  // namespace quantsim::train

#endif  // QUANTSIM_TRAIN_LOOP_H_
