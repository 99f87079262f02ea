// Label / class-weight / reduction plumbing shared by the ONNX losses with
// int64 targets (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss):
//  - LossConfig: the reduction and ignore_index attributes (LossAttrSpecs).
//  - InferLoss: checks input 0 [N, C, D...] f32, the target [N, D...] int64
//    and the optional class weights [C] (input 2), then types output 0
//    ([N, D...] for reduction none, else a scalar). Names in the messages
//    come from LossNames.
//  - ReadClassWeights: the run-time check of the weights (f32 [C]).
//  - LossGradInputs / MakeLossGradOp: the internal <Loss>Grad op
//    (dloss, input, target[, weights]) -> dinput.
#ifndef QUANTSIM_OPS_LOSS_UTIL_H_
#define QUANTSIM_OPS_LOSS_UTIL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {

// No ignore_index attribute: a label value that cannot occur.
constexpr int64_t kNoIgnoreIndex = std::numeric_limits<int64_t>::min();

struct LossConfig {
  kernels::LossReduction reduction = kernels::LossReduction::kMean;
  int64_t ignore_index = kNoIgnoreIndex;
};

inline absl::StatusOr<LossConfig> ParseLossConfig(const graph::Node& node) {
  const std::string where = node.Describe();
  LossConfig c;
  QS_ASSIGN_OR_RETURN(c.reduction, ParseLossReduction(node.attrs, where));
  QS_ASSIGN_OR_RETURN(
      c.ignore_index,
      node.attrs.GetIntOr("ignore_index", kNoIgnoreIndex, where));
  return c;
}

inline std::vector<graph::AttrSpec> LossAttrSpecs() {
  return {{"reduction", graph::AttrType::kString},
          {"ignore_index", graph::AttrType::kInt}};
}

// How a loss names its inputs in error messages.
struct LossNames {
  const char* input;   // "input" / "scores"
  const char* target;  // "target" / "labels"
  const char* is;      // "is" / "are"
};

inline absl::Status InferLoss(graph::InferContext& c, const LossNames& n) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  if (c.has_input(2)) {  // class weights [C]
    QS_RETURN_IF_ERROR(RequireF32(c, 2));
    const graph::ValueType& w = c.input(2);
    const graph::ValueType& x0 = c.input(0);
    const int64_t classes =
        x0.has_rank && x0.dims.size() >= 2 ? x0.dims[1] : -1;
    if (w.has_rank && (w.dims.size() != 1 || (classes >= 0 && w.dims[0] >= 0 &&
                                              w.dims[0] != classes))) {
      return c.Error(absl::StrCat("weights ", w.ToString(), " must be [C] for ",
                                  n.input, " ", x0.ToString()));
    }
  }
  QS_ASSIGN_OR_RETURN(LossConfig cfg, ParseLossConfig(c.node()));
  const graph::ValueType& x = c.input(0);
  const graph::ValueType& t = c.input(1);
  if (t.dtype != engine::DType::kI64) {
    return c.Error(
        absl::StrCat(n.target, " must be int64, ", n.is, " ", t.ToString()));
  }
  if (x.has_rank && (x.dims.size() < 2 ||
                     (t.has_rank && t.dims.size() + 1 != x.dims.size()))) {
    return c.Error(absl::StrCat(n.input, " ", x.ToString(), " and ", n.target,
                                " ", t.ToString(),
                                " must be [N, C, D...] and [N, D...]"));
  }
  if (cfg.reduction == kernels::LossReduction::kNone) {
    graph::ValueType o = t;
    o.dtype = engine::DType::kF32;
    c.set_output(0, o);
  } else {
    c.set_output(0, TypeWithDims(engine::DType::kF32, {}));
  }
  return absl::OkStatus();
}

// Reads the class weights input `i` (contiguous) into `w`; must be f32 [C].
inline absl::Status ReadClassWeights(graph::KernelContext& ctx, int i,
                                     int64_t classes, engine::Tensor& w) {
  QS_ASSIGN_OR_RETURN(w, ctx.input(i).Contiguous());
  if (w.dtype() != engine::DType::kF32 || w.rank() != 1 ||
      w.dim(0) != classes) {
    return ctx.Error(absl::StrCat("weights ", w.DebugString(), " must be f32 [",
                                  classes, "]"));
  }
  return absl::OkStatus();
}

// (dloss, input, target[, weights]) of the node's <Loss>Grad.
inline std::vector<graph::ValueId> LossGradInputs(graph::GradBuilder& b) {
  std::vector<graph::ValueId> in = {b.output_grad(0), b.input(0), b.input(1)};
  if (b.node().inputs.size() > 2 && b.input(2) != graph::kNoValue) {
    in.push_back(b.input(2));  // class weights
  }
  return in;
}

inline graph::OpDef MakeLossGradOp(const std::string& type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = 3;
  d.max_inputs = 4;
  d.attrs = LossAttrSpecs();
  d.infer = [](graph::InferContext& c) -> absl::Status {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_LOSS_UTIL_H_
