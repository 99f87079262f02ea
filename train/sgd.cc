// torch.optim.SGD (see train/optimizer.h and train/optimizer_kernels.h).
#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "train/optimizer.h"
#include "train/optimizer_kernels.h"

namespace quantsim::train {

absl::StatusOr<std::unique_ptr<Sgd>> Sgd::Create(std::vector<ParamGroup> groups,
                                                 const SgdOptions& options) {
  const SgdOptions& o = options;
  if (!(o.momentum >= 0) || !(o.dampening >= 0) || !(o.dampening <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sgd: momentum must be >= 0 and dampening in [0, 1], got ",
                     o.momentum, " and ", o.dampening));
  }
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    return absl::InvalidArgumentError(
        "sgd: nesterov needs momentum > 0 and zero dampening");
  }
  std::unique_ptr<Sgd> sgd(new Sgd());
  sgd->options_ = options;
  QS_RETURN_IF_ERROR(sgd->Init(std::move(groups), o.lr, o.weight_decay));
  return sgd;
}

std::vector<std::string> Sgd::slot_names() const { return {"momentum_buffer"}; }

absl::Status Sgd::Update(ParamState& state, const Group& group,
                         const engine::Tensor& grad, engine::ThreadPool* pool) {
  SgdScalars s;
  s.neg_lr = static_cast<float>(-group.lr);
  s.weight_decay = static_cast<float>(group.weight_decay);
  s.momentum = static_cast<float>(options_.momentum);
  s.one_minus_dampening = static_cast<float>(1.0 - options_.dampening);
  s.nesterov = options_.nesterov;
  float* buf = nullptr;
  if (options_.momentum != 0) {
    s.first = !state.slots[0].tensor.defined();
    QS_ASSIGN_OR_RETURN(buf, SlotData(state, 0));
  }
  SgdUpdate(state.param.tensor.data<float>(), grad.data<float>(), buf,
            grad.numel(), s, pool);
  return absl::OkStatus();
}

}  // namespace quantsim::train
