// torch.optim.Adam and AdamW (see train/optimizer.h and
// train/optimizer_kernels.h).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "train/optimizer.h"
#include "train/optimizer_kernels.h"

namespace quantsim::train {

absl::StatusOr<std::unique_ptr<Adam>> Adam::Create(
    std::vector<ParamGroup> groups, const AdamOptions& options) {
  return Make(std::move(groups), options, false);
}

absl::StatusOr<std::unique_ptr<Adam>> Adam::CreateAdamW(
    std::vector<ParamGroup> groups, const AdamOptions& options) {
  return Make(std::move(groups), options, true);
}

absl::StatusOr<std::unique_ptr<Adam>> Adam::Make(std::vector<ParamGroup> groups,
                                                 const AdamOptions& o,
                                                 bool decoupled) {
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) ||
      !(o.eps >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(decoupled ? "adamw" : "adam",
                     ": betas must be in [0, 1) and eps >= 0,"
                     " got (",
                     o.beta1, ", ", o.beta2, ") and ", o.eps));
  }
  std::unique_ptr<Adam> adam(new Adam());
  adam->options_ = o;
  adam->decoupled_ = decoupled;
  QS_RETURN_IF_ERROR(adam->Init(std::move(groups), o.lr, o.weight_decay));
  return adam;
}

std::vector<std::string> Adam::slot_names() const {
  if (options_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

absl::Status Adam::Update(ParamState& state, const Group& group,
                          const engine::Tensor& grad,
                          engine::ThreadPool* pool) {
  const AdamOptions& o = options_;
  // Scalars in double, as torch computes them in Python.
  const double t = static_cast<double>(state.step);
  const double bias_correction1 = 1 - std::pow(o.beta1, t);
  const double bias_correction2 = 1 - std::pow(o.beta2, t);
  AdamScalars s;
  if (decoupled_) {
    s.decay_factor = static_cast<float>(1 - group.lr * group.weight_decay);
  } else {
    s.weight_decay = static_cast<float>(group.weight_decay);
  }
  s.beta1 = static_cast<float>(o.beta1);
  s.one_minus_beta1 = static_cast<float>(1 - o.beta1);
  s.beta2 = static_cast<float>(o.beta2);
  s.one_minus_beta2 = static_cast<float>(1 - o.beta2);
  s.neg_step_size = static_cast<float>(-(group.lr / bias_correction1));
  s.bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  s.eps = static_cast<float>(o.eps);
  QS_ASSIGN_OR_RETURN(float* m, SlotData(state, 0));
  QS_ASSIGN_OR_RETURN(float* v, SlotData(state, 1));
  float* vmax = nullptr;
  if (o.amsgrad) {
    QS_ASSIGN_OR_RETURN(vmax, SlotData(state, 2));
  }
  AdamUpdate(state.param.tensor.data<float>(), grad.data<float>(), m, v, vmax,
             grad.numel(), s, pool);
  return absl::OkStatus();
}

}  // namespace quantsim::train
