// quantsim train: SGD, Adam and AdamW over named parameter groups.
//
// Contract:
//  - An optimizer is built over parameter groups (PyTorch param_groups): each
//    group is a list of named, contiguous f32 parameter tensors plus optional
//    per-group learning rate and weight decay (QAT trains weights and
//    encodings with different rates). Tensors are handles: Step updates the
//    caller's (and the compiled graphs') parameter storage in place.
//  - Step(grads) takes one gradient per parameter, in flat order (group 0's
//    parameters, then group 1's ...). An undefined gradient skips that
//    parameter (a `None` grad in PyTorch: its state does not advance).
//    Updates follow torch.optim's single-tensor formulas exactly (see
//    train/optimizer_kernels.h); tests check them against those formulas.
//  - State (momentum buffers, exp_avg, exp_avg_sq, max_exp_avg_sq, per
//    parameter step counts, group learning rates) is exposed as a
//    map<string, Tensor> keyed "<param name>/<slot>" and "group<g>/lr", and
//    saved to a versioned binary file; Load into a fresh optimizer over the
//    same parameters resumes bit-exactly.
//  - Errors: InvalidArgument for bad hyperparameters, duplicate parameter
//    names, non-f32 or non-contiguous tensors, gradient count or shape
//    mismatches, and state that does not fit this optimizer; DataLoss for a
//    corrupt state file; NotFound for a missing one.
#ifndef QUANTSIM_TRAIN_OPTIMIZER_H_
#define QUANTSIM_TRAIN_OPTIMIZER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "engine/thread_pool.h"

namespace quantsim::train {

struct Param {
  std::string name;       // unique; names the state entries
  engine::Tensor tensor;  // contiguous f32, updated in place
};

struct ParamGroup {
  std::vector<Param> params;
  std::optional<double> lr;            // default: the optimizer's
  std::optional<double> weight_decay;  // default: the optimizer's
};

using StateDict = std::map<std::string, engine::Tensor>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  absl::Status Step(const std::vector<engine::Tensor>& grads,
                    engine::ThreadPool* pool = nullptr);

  virtual const char* kind() const = 0;  // "sgd", "adam", "adamw"

  int num_groups() const { return static_cast<int>(groups_.size()); }
  double lr(int group) const { return groups_[group].lr; }
  void set_lr(int group, double lr) { groups_[group].lr = lr; }
  // The group's learning rate at construction (schedules scale it).
  double initial_lr(int group) const { return groups_[group].initial_lr; }
  double weight_decay(int group) const { return groups_[group].weight_decay; }
  int num_params() const { return static_cast<int>(params_.size()); }
  const Param& param(int i) const { return params_[i].param; }
  int group_of(int i) const { return params_[i].group; }
  int64_t num_steps() const { return num_steps_; }

  // Copies of the state tensors (see the file comment).
  StateDict GetState() const;
  // Replaces the whole state: every key must belong to this optimizer and
  // fit its parameter; parameters with no entries start fresh.
  absl::Status SetState(const StateDict& state);
  absl::Status Save(const std::string& path) const;
  absl::Status Load(const std::string& path);

 protected:
  struct Group {
    double lr = 0, initial_lr = 0, weight_decay = 0;
  };
  struct Slot {
    std::string name;
    engine::Tensor tensor;  // f32 like the parameter; empty until created
  };
  struct ParamState {
    Param param;
    int group = 0;
    int64_t step = 0;         // updates applied to this parameter
    std::vector<Slot> slots;  // per slot_names(), possibly undefined
  };

  Optimizer() = default;
  // Validates and stores the groups; slot_names() gives the state slots.
  absl::Status Init(std::vector<ParamGroup> groups, double lr,
                    double weight_decay);
  virtual std::vector<std::string> slot_names() const = 0;
  // Applies one update to params_[i] (state.step already incremented).
  virtual absl::Status Update(ParamState& state, const Group& group,
                              const engine::Tensor& grad,
                              engine::ThreadPool* pool) = 0;
  // The slot tensor, created (zeros) when absent.
  absl::StatusOr<float*> SlotData(ParamState& state, int slot);

  std::vector<Group> groups_;
  std::vector<ParamState> params_;
  int64_t num_steps_ = 0;
};

struct SgdOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<Sgd>> Create(
      std::vector<ParamGroup> groups, const SgdOptions& options);
  const char* kind() const override { return "sgd"; }
  const SgdOptions& options() const { return options_; }

 private:
  Sgd() = default;
  std::vector<std::string> slot_names() const override;
  absl::Status Update(ParamState& state, const Group& group,
                      const engine::Tensor& grad,
                      engine::ThreadPool* pool) override;
  SgdOptions options_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // Adam: L2 on the gradient; AdamW: decoupled
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<Adam>> Create(
      std::vector<ParamGroup> groups, const AdamOptions& options);
  // AdamW: decoupled weight decay (torch's default weight_decay is 1e-2
  // there; pass it explicitly).
  static absl::StatusOr<std::unique_ptr<Adam>> CreateAdamW(
      std::vector<ParamGroup> groups, const AdamOptions& options);
  const char* kind() const override { return decoupled_ ? "adamw" : "adam"; }
  const AdamOptions& options() const { return options_; }

 private:
  Adam() = default;
  static absl::StatusOr<std::unique_ptr<Adam>> Make(
      std::vector<ParamGroup> groups, const AdamOptions& options,
      bool decoupled);
  std::vector<std::string> slot_names() const override;
  absl::Status Update(ParamState& state, const Group& group,
                      const engine::Tensor& grad,
                      engine::ThreadPool* pool) override;
  AdamOptions options_;
  bool decoupled_ = false;
};

// One group holding `params` (convenience).
std::vector<ParamGroup> SingleGroup(std::vector<Param> params);

}  // namespace quantsim::train

#endif  // QUANTSIM_TRAIN_OPTIMIZER_H_
