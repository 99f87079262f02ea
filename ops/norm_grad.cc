// RowNormGrad (internal): the backward of LayerNormalization,
// GroupNormalization and InstanceNormalization (kernels/cpu/norm row norms).
//   inputs:  dy, X, scale [, mean, inv_std]  (mean / inv_std: one per row,
//            e.g. LayerNormalization's Mean / InvStdDev outputs)
//   outputs: dX, dscale, dbias (dbias shaped like scale)
//   attrs:   kind ("layer" | "group" | "instance"), axis (layer),
//            num_groups (group), epsilon
// Without saved statistics it recomputes them from X with the forward
// kernel (double sums, fixed order: the forward's values bit for bit).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/norm/norm.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class RowNormGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<RowNormGradKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    auto k = std::make_unique<RowNormGradKernel>();
    QS_ASSIGN_OR_RETURN(k->kind_, node.attrs.GetString("kind", where));
    QS_ASSIGN_OR_RETURN(k->axis_, node.attrs.GetIntOr("axis", -1, where));
    QS_ASSIGN_OR_RETURN(k->groups_,
                        node.attrs.GetIntOr("num_groups", 1, where));
    QS_ASSIGN_OR_RETURN(k->eps_,
                        node.attrs.GetFloatOr("epsilon", 1e-5f, where));
    if (k->kind_ != "layer" && k->kind_ != "group" && k->kind_ != "instance") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": kind '", k->kind_, "'"));
    }
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor scale, ctx.input(2).Contiguous());
    if (dy.shape() != x.shape()) return ctx.Error("dy and X differ in shape");
    kernels::RowNormShape s;
    if (kind_ == "layer") {
      QS_ASSIGN_OR_RETURN(int axis,
                          x.shape().NormalizeAxis(static_cast<int>(axis_)));
      s = kernels::LayerNormShape(x.shape().Product(0, axis),
                                  x.shape().Product(axis, x.rank()));
    } else {
      if (x.rank() < 2) return ctx.Error("X must have rank >= 2");
      const int64_t C = x.dim(1);
      const int64_t G = kind_ == "group" ? groups_ : C;
      if (G < 1 || C % G != 0) return ctx.Error("C not divisible by groups");
      s = kernels::GroupNormShape(x.dim(0), C, x.shape().Product(2, x.rank()),
                                  G);
    }
    if (scale.numel() != s.NumParams()) {
      return ctx.Error(absl::StrCat("scale has ", scale.numel(),
                                    " values, needs ", s.NumParams()));
    }
    std::vector<float> mean_buf, inv_buf;
    const float* mean;
    const float* inv;
    engine::Tensor saved_mean, saved_inv;
    if (ctx.has_input(3) && ctx.has_input(4)) {
      QS_ASSIGN_OR_RETURN(saved_mean, ctx.input(3).Contiguous());
      QS_ASSIGN_OR_RETURN(saved_inv, ctx.input(4).Contiguous());
      if (saved_mean.numel() != s.rows || saved_inv.numel() != s.rows) {
        return ctx.Error("saved statistics need one value per row");
      }
      mean = saved_mean.data<float>();
      inv = saved_inv.data<float>();
    } else {
      mean_buf.resize(s.rows);
      inv_buf.resize(s.rows);
      std::vector<float> scratch(x.numel());
      kernels::RowNormForward(x.data<float>(), s, nullptr, nullptr, eps_,
                              scratch.data(), mean_buf.data(), inv_buf.data(),
                              ctx.pool());
      mean = mean_buf.data();
      inv = inv_buf.data();
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor ds,
                        ctx.AllocateOutput(1, scale.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor db,
                        ctx.AllocateOutput(2, scale.shape()));
    kernels::RowNormBackward(x.data<float>(), dy.data<float>(), s,
                             scale.data<float>(), mean, inv, dx.data<float>(),
                             ds.data<float>(), db.data<float>(), ctx.pool());
    return absl::OkStatus();
  }

 private:
  std::string kind_;
  int64_t axis_ = -1;
  int64_t groups_ = 1;
  float eps_ = 1e-5f;
};

}  // namespace

graph::OpDef MakeRowNormGradOp() {
  graph::OpDef d;
  d.type = "RowNormGrad";
  d.min_inputs = 3;
  d.max_inputs = 5;
  d.min_outputs = d.max_outputs = 3;
  d.attrs = {{"kind", graph::AttrType::kString, true},
             {"axis", graph::AttrType::kInt},
             {"num_groups", graph::AttrType::kInt},
             {"epsilon", graph::AttrType::kFloat}};
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    c.set_output(1, c.input(2));
    c.set_output(2, c.input(2));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<RowNormGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
