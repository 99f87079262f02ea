// MeanSquaredError (quantsim-internal loss; export maps it to ONNX ops
// itself): (a, b) of the same shape -> reduce((a - b)^2) with attr
// reduction ("mean" default | "sum" | "none": a's shape). On
// kernels::MseForward/MseBackward (double accumulation).
// Backward: the internal op MeanSquaredErrorGrad (dloss, a, b) -> [da] [db]
// (attr needs: 1 da, 2 db, 3 both); da = 2 (a - b) g, db = -da.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/softmax/softmax.h"
#include "kernels/cpu/unary/unary.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class MseKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<MseKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    auto k = std::make_unique<MseKernel>();
    QS_ASSIGN_OR_RETURN(k->reduction_, ParseLossReduction(node.attrs, where));
    k->grad_ = node.op_type == "MeanSquaredErrorGrad";
    QS_ASSIGN_OR_RETURN(k->needs_, node.attrs.GetIntOr("needs", 3, where));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = grad_ ? 1 : 0;
    QS_ASSIGN_OR_RETURN(engine::Tensor a, ctx.input(first).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor b, ctx.input(first + 1).Contiguous());
    if (a.shape() != b.shape()) {
      return ctx.Error("inputs " + a.shape().ToString() + " and " +
                       b.shape().ToString() + " differ in shape");
    }
    const bool none = reduction_ == kernels::LossReduction::kNone;
    const int64_t n = a.numel();
    if (!grad_) {
      QS_ASSIGN_OR_RETURN(
          engine::Tensor loss,
          ctx.AllocateOutput(0, none ? a.shape() : engine::Shape()));
      kernels::MseForward(a.data<float>(), b.data<float>(), n, reduction_,
                          loss.data<float>());
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dl, ctx.input(0).Contiguous());
    if (dl.numel() != (none ? n : 1)) {
      return ctx.Error("dloss " + dl.shape().ToString() +
                       " does not match the loss");
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor da,
        needs_ & 1 ? ctx.AllocateOutput(0, a.shape())
                   : engine::Tensor::Empty(a.shape(), engine::DType::kF32));
    kernels::MseBackward(a.data<float>(), b.data<float>(), n, reduction_,
                         dl.data<float>(), da.data<float>());
    if (needs_ & 2) {
      QS_ASSIGN_OR_RETURN(engine::Tensor db,
                          ctx.AllocateOutput(needs_ & 1 ? 1 : 0, b.shape()));
      kernels::UnaryForward(kernels::DefaultUnaryParams(kernels::UnaryOp::kNeg),
                            da.data<float>(), db.data<float>(), n, ctx.pool(),
                            ctx.isa());
    }
    return absl::OkStatus();
  }

 private:
  kernels::LossReduction reduction_ = kernels::LossReduction::kMean;
  bool grad_ = false;
  int64_t needs_ = 3;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_RETURN_IF_ERROR(RequireF32(c, 1));
  QS_ASSIGN_OR_RETURN(kernels::LossReduction r,
                      ParseLossReduction(c.attrs(), c.node().Describe()));
  const graph::ValueType& a = c.input(0);
  const graph::ValueType& b = c.input(1);
  if (a.has_rank && b.has_rank) {
    bool same = a.dims.size() == b.dims.size();
    for (size_t i = 0; same && i < a.dims.size(); ++i) {
      same = a.dims[i] < 0 || b.dims[i] < 0 || a.dims[i] == b.dims[i];
    }
    if (!same) {
      return c.Error("inputs " + a.ToString() + " and " + b.ToString() +
                     " differ in shape");
    }
  }
  c.set_output(0, r == kernels::LossReduction::kNone
                      ? a
                      : TypeWithDims(engine::DType::kF32, {}));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const bool na = b.needs_input_grad(0), nb = b.needs_input_grad(1);
  if (!na && !nb) return absl::OkStatus();
  graph::Attributes attrs = b.node().attrs;
  attrs.Set("needs", int64_t{na + 2 * nb});
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("MeanSquaredErrorGrad", {b.output_grad(0), b.input(0), b.input(1)},
             attrs, int{na} + int{nb}));
  if (na) b.SetInputGrad(0, g[0]);
  if (nb) b.SetInputGrad(1, g[na ? 1 : 0]);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeMeanSquaredErrorOp() {
  graph::OpDef d;
  d.type = "MeanSquaredError";
  d.min_inputs = d.max_inputs = 2;
  d.attrs = {{"reduction", graph::AttrType::kString}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<MseKernel>;
  d.backward = Backward;
  d.onnx = {"", "", 0};  // internal; export/ maps it
  return d;
}

graph::OpDef MakeMeanSquaredErrorGradOp() {
  graph::OpDef d;
  d.type = "MeanSquaredErrorGrad";
  d.min_inputs = d.max_inputs = 3;
  d.max_outputs = 2;
  d.attrs = {{"reduction", graph::AttrType::kString},
             {"needs", graph::AttrType::kInt}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    QS_ASSIGN_OR_RETURN(int64_t needs, c.attrs().GetIntOr("needs", 3, ""));
    if (needs < 1 || needs > 3 ||
        c.num_outputs() != (needs & 1) + ((needs >> 1) & 1)) {
      return c.Error("needs must be 1..3 with one output per needed gradient");
    }
    int out = 0;
    if (needs & 1) c.set_output(out++, c.input(1));
    if (needs & 2) c.set_output(out, c.input(2));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<MseKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
