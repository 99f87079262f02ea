// Softmax and LogSoftmax (ONNX opset 13: normalised along the single
// `axis`, default -1; the importer rewrites opset < 13's flatten-to-2D
// semantics), on kernels::SoftmaxForward (max-subtracted, double row sums).
// Backward: the internal op SoftmaxGrad (y, dy) with attrs axis and log
// (0 | 1): softmax dx = y (dy - sum(dy y)), log-softmax dx = dy - exp(y)
// sum(dy).
#include "kernels/cpu/softmax/softmax.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

absl::StatusOr<kernels::AxisView> View(const engine::Shape& s, int64_t axis) {
  if (s.rank() == 0) {
    return absl::InvalidArgumentError("softmax of a scalar (rank 0)");
  }
  QS_ASSIGN_OR_RETURN(int a, s.NormalizeAxis(static_cast<int>(axis)));
  kernels::AxisView v;
  v.outer = s.Product(0, a);
  v.n = s.dim(a);
  v.inner = s.Product(a + 1, s.rank());
  return v;
}

// Softmax / LogSoftmax forward (log from the op type) and SoftmaxGrad.
class SoftmaxKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<SoftmaxKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    auto k = std::make_unique<SoftmaxKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_, node.attrs.GetIntOr("axis", -1, where));
    k->grad_ = node.op_type == "SoftmaxGrad";
    if (k->grad_) {
      QS_ASSIGN_OR_RETURN(int64_t log, node.attrs.GetIntOr("log", 0, where));
      k->log_ = log != 0;
    } else {
      k->log_ = node.op_type == "LogSoftmax";
    }
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<kernels::AxisView> v = View(x.shape(), axis_);
    if (!v.ok()) return ctx.Error(std::string(v.status().message()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    if (x.numel() == 0) return absl::OkStatus();
    if (!grad_) {
      kernels::SoftmaxForward(x.data<float>(), *v, y.data<float>(), log_,
                              ctx.pool());
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(1).Contiguous());
    if (dy.shape() != x.shape()) return ctx.Error("y and dy differ in shape");
    kernels::SoftmaxBackward(x.data<float>(), dy.data<float>(), *v,
                             y.data<float>(), log_, ctx.pool());
    return absl::OkStatus();
  }

 private:
  int64_t axis_ = -1;
  bool log_ = false;
  bool grad_ = false;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  const graph::ValueType& x = c.input(0);
  QS_ASSIGN_OR_RETURN(int64_t axis, c.attrs().GetIntOr("axis", -1, ""));
  if (x.has_rank) {
    const int64_t r = static_cast<int64_t>(x.dims.size());
    if (axis < -r || axis >= r) {
      return c.Error(
          absl::StrCat("axis ", axis, " is out of range for ", x.ToString()));
    }
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(int64_t axis,
                      b.node().attrs.GetIntOr("axis", -1, b.node().Describe()));
  QS_ASSIGN_OR_RETURN(
      graph::ValueId dx,
      b.Emit1("SoftmaxGrad", {b.output(0), b.output_grad(0)},
              {{"axis", axis},
               {"log", int64_t{b.node().op_type == "LogSoftmax"}}}));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

graph::OpDef MakeSoftmaxLike(const char* type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<SoftmaxKernel>;
  d.backward = Backward;
  d.onnx = {type, "", 13};
  return d;
}

}  // namespace

graph::OpDef MakeSoftmaxOp() { return MakeSoftmaxLike("Softmax"); }
graph::OpDef MakeLogSoftmaxOp() { return MakeSoftmaxLike("LogSoftmax"); }

graph::OpDef MakeSoftmaxGradOp() {
  graph::OpDef d;
  d.type = "SoftmaxGrad";
  d.min_inputs = d.max_inputs = 2;
  d.attrs = {{"axis", graph::AttrType::kInt}, {"log", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<SoftmaxKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
