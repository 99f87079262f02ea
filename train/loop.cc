#include "train/loop.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/status.h"

namespace quantsim::train {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

bool HasClassLabels(const Dataset& data) {
  return data.y.rank() == 1 && (data.y.dtype() == engine::DType::kI64 ||
                                data.y.dtype() == engine::DType::kI32);
}

// Correct predictions in `outputs[logits_output]`, or -1 when accuracy is
// not computed.
absl::StatusOr<int64_t> Correct(const std::vector<engine::Tensor>& outputs,
                                int logits_output, const Dataset& data,
                                const engine::Tensor& labels) {
  if (logits_output < 0 || !HasClassLabels(data)) return -1;
  if (logits_output >= static_cast<int>(outputs.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("logits_output ", logits_output, " but the graph has ",
                     outputs.size(), " outputs"));
  }
  return CountCorrect(outputs[logits_output], labels);
}

}  // namespace

absl::StatusOr<int64_t> CountCorrect(const engine::Tensor& logits,
                                     const engine::Tensor& labels) {
  if (logits.rank() != 2 || logits.dtype() != engine::DType::kF32 ||
      labels.rank() != 1 || labels.dim(0) != logits.dim(0) ||
      (labels.dtype() != engine::DType::kI64 &&
       labels.dtype() != engine::DType::kI32)) {
    return absl::InvalidArgumentError(
        absl::StrCat("CountCorrect: logits ", logits.DebugString(),
                     " and labels ", labels.DebugString()));
  }
  QS_ASSIGN_OR_RETURN(engine::Tensor l, logits.Contiguous());
  QS_ASSIGN_OR_RETURN(engine::Tensor y, labels.Contiguous());
  const int64_t b = l.dim(0), c = l.dim(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < b; ++i) {
    const float* row = l.data<float>() + i * c;
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j) {
      if (row[j] > row[best]) best = j;  // first maximum, like argmax
    }
    const int64_t label = y.dtype() == engine::DType::kI64
                              ? y.data<int64_t>()[i]
                              : y.data<int32_t>()[i];
    correct += best == label;
  }
  return correct;
}

absl::Status Fit(Trainer& trainer, const Dataset& data,
                 const FitOptions& options) {
  if (options.batch_size < 1 || options.epochs < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Fit: batch_size must be >= 1 and epochs >= 0, got ",
                     options.batch_size, " and ", options.epochs));
  }
  if (trainer.optimizer() == nullptr) {
    return absl::FailedPreconditionError("Fit: the trainer has no optimizer");
  }
  Optimizer& opt = *trainer.optimizer();
  trainer.Train();
  Batcher batcher(data, options.batch_size, options.shuffle, options.seed);
  int64_t global = 0;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    const Clock::time_point epoch_start = Clock::now();
    batcher.StartEpoch(epoch);
    if (options.schedule && !options.schedule_per_step) {
      ApplySchedule(*options.schedule, epoch, &opt);
    }
    double loss_sum = 0;
    int64_t seen = 0, correct = 0;
    bool accuracy = true;
    for (int64_t b = 0; b < batcher.num_batches(); ++b, ++global) {
      const Clock::time_point step_start = Clock::now();
      if (options.schedule && options.schedule_per_step) {
        ApplySchedule(*options.schedule, global, &opt);
      }
      QS_ASSIGN_OR_RETURN(Batch batch, batcher.Get(b));
      const double lr = opt.num_groups() > 0 ? opt.lr(0) : 0;
      QS_ASSIGN_OR_RETURN(StepOutput out, trainer.Step({batch.x, batch.y}));
      QS_ASSIGN_OR_RETURN(int64_t c, Correct(out.outputs, options.logits_output,
                                             data, batch.y));
      accuracy = accuracy && c >= 0;
      correct += c;
      loss_sum += static_cast<double>(out.loss) * batch.size;
      seen += batch.size;
      if (options.on_step) {
        StepInfo info;
        info.epoch = epoch;
        info.batch = b;
        info.global_step = global;
        info.batch_size = batch.size;
        info.loss = out.loss;
        info.accuracy = c >= 0 ? static_cast<double>(c) / batch.size : -1;
        info.samples_per_second = batch.size / Seconds(step_start);
        info.lr = lr;
        QS_RETURN_IF_ERROR(options.on_step(info));
      }
    }
    // Micro-batches left over at the end of an epoch still update.
    if (trainer.pending_micro_batches() > 0) {
      QS_RETURN_IF_ERROR(trainer.ApplyGradients());
    }
    if (options.on_epoch) {
      EpochInfo info;
      info.epoch = epoch;
      info.seconds = Seconds(epoch_start);
      info.loss = seen > 0 ? loss_sum / seen : 0;
      info.accuracy =
          accuracy && seen > 0 ? static_cast<double>(correct) / seen : -1;
      info.samples_per_second = seen / info.seconds;
      QS_RETURN_IF_ERROR(options.on_epoch(info));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<EvalResult> EvaluateDataset(const Trainer& trainer,
                                           const Dataset& data,
                                           int64_t batch_size,
                                           int logits_output) {
  if (batch_size < 1) {
    return absl::InvalidArgumentError("EvaluateDataset: batch_size < 1");
  }
  const Clock::time_point start = Clock::now();
  Batcher batcher(data, batch_size, /*shuffle=*/false, 0);
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  bool accuracy = true;
  for (int64_t b = 0; b < batcher.num_batches(); ++b) {
    QS_ASSIGN_OR_RETURN(Batch batch, batcher.Get(b));
    QS_ASSIGN_OR_RETURN(StepOutput out, trainer.Evaluate({batch.x, batch.y}));
    QS_ASSIGN_OR_RETURN(int64_t c,
                        Correct(out.outputs, logits_output, data, batch.y));
    accuracy = accuracy && c >= 0;
    correct += c;
    loss_sum += static_cast<double>(out.loss) * batch.size;
    r.samples += batch.size;
  }
  if (r.samples > 0) {
    r.loss = loss_sum / r.samples;
    if (accuracy) r.accuracy = static_cast<double>(correct) / r.samples;
  }
  r.samples_per_second = r.samples / Seconds(start);
  return r;
}

}  // namespace quantsim::train
