// PRelu (ONNX opset 9+): y = x < 0 ? slope * x : x, slope broadcast to x
// (unidirectional numpy broadcasting). Computed with the fast kernels as
// y = relu(x) + slope * min(x, 0) (exact: one of the terms is +-0; a NaN or
// infinite slope also poisons positive x, where ONNX would give x).
// Backward (internal PReluGrad, outputs per needed input):
//   pos = relu'(x) dy (dy where x > 0), neg = dy - pos (dy where x <= 0),
//   dx = pos + slope * neg, dslope = ReduceToShape(neg * x, slope).
// At x == 0 the gradient is the negative side's (slope), as for Relu.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/binary/binary.h"
#include "kernels/cpu/binary/binary_grad.h"
#include "kernels/cpu/unary/unary.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using kernels::BinaryForward;
using kernels::BinaryOp;
using kernels::Dims;

// Checks that slope broadcasts to x without growing it.
absl::StatusOr<Dims> CheckSlope(const engine::Shape& x,
                                const engine::Shape& slope) {
  QS_ASSIGN_OR_RETURN(engine::Shape y, BroadcastShapes(x, slope));
  if (y != x) {
    return absl::InvalidArgumentError(absl::StrCat(
        "slope ", slope.ToString(), " does not broadcast to x ", x.ToString()));
  }
  return ToKernelDims(slope);
}

class PReluKernel final : public graph::OpKernel {
 public:
  explicit PReluKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor s, ctx.input(1).Contiguous());
    absl::StatusOr<Dims> sd = CheckSlope(x.shape(), s.shape());
    if (!sd.ok()) return ctx.Error(std::string(sd.status().message()));
    QS_ASSIGN_OR_RETURN(Dims xd, ToKernelDims(x.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor t,
                        engine::Tensor::Empty(x.shape(), engine::DType::kF32));
    const float zero = 0.0f;
    float* yp = y.data<float>();
    float* tp = t.data<float>();
    BinaryForward(BinaryOp::kMin, x.data<float>(), xd, &zero, Dims{}, tp, xd,
                  ctx.pool(), ctx.isa());
    BinaryForward(BinaryOp::kMul, tp, xd, s.data<float>(), *sd, tp, xd,
                  ctx.pool(), ctx.isa());
    kernels::UnaryForward(kernels::DefaultUnaryParams(kernels::UnaryOp::kRelu),
                          x.data<float>(), yp, x.numel(), ctx.pool(),
                          ctx.isa());
    BinaryForward(BinaryOp::kAdd, yp, xd, tp, xd, yp, xd, ctx.pool(),
                  ctx.isa());
    return absl::OkStatus();
  }
};

// PReluGrad (internal): (dy, x, slope) -> [dx if need_x] [dslope if
// need_slope], attrs need_x, need_slope (ints, default 1).
class PReluGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<PReluGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<PReluGradKernel>();
    QS_ASSIGN_OR_RETURN(int64_t nx,
                        node.attrs.GetIntOr("need_x", 1, node.Describe()));
    QS_ASSIGN_OR_RETURN(int64_t ns,
                        node.attrs.GetIntOr("need_slope", 1, node.Describe()));
    k->need_x_ = nx != 0;
    k->need_slope_ = ns != 0;
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor s, ctx.input(2).Contiguous());
    if (dy.shape() != x.shape()) return ctx.Error("dy and x differ in shape");
    absl::StatusOr<Dims> sd = CheckSlope(x.shape(), s.shape());
    if (!sd.ok()) return ctx.Error(std::string(sd.status().message()));
    QS_ASSIGN_OR_RETURN(Dims xd, ToKernelDims(x.shape()));
    const int64_t n = x.numel();
    QS_ASSIGN_OR_RETURN(engine::Tensor pos,
                        engine::Tensor::Empty(x.shape(), engine::DType::kF32));
    QS_ASSIGN_OR_RETURN(engine::Tensor neg,
                        engine::Tensor::Empty(x.shape(), engine::DType::kF32));
    float* pp = pos.data<float>();
    float* np = neg.data<float>();
    kernels::UnaryBackward(kernels::DefaultUnaryParams(kernels::UnaryOp::kRelu),
                           x.data<float>(), nullptr, dy.data<float>(), pp, n,
                           ctx.pool(), ctx.isa());
    BinaryForward(BinaryOp::kSub, dy.data<float>(), xd, pp, xd, np, xd,
                  ctx.pool(), ctx.isa());
    int out = 0;
    if (need_x_) {
      QS_ASSIGN_OR_RETURN(engine::Tensor dx,
                          ctx.AllocateOutput(out++, x.shape()));
      BinaryForward(BinaryOp::kMul, np, xd, s.data<float>(), *sd,
                    dx.data<float>(), xd, ctx.pool(), ctx.isa());
      BinaryForward(BinaryOp::kAdd, dx.data<float>(), xd, pp, xd,
                    dx.data<float>(), xd, ctx.pool(), ctx.isa());
    }
    if (need_slope_) {
      QS_ASSIGN_OR_RETURN(engine::Tensor ds,
                          ctx.AllocateOutput(out, s.shape()));
      BinaryForward(BinaryOp::kMul, np, xd, x.data<float>(), xd, np, xd,
                    ctx.pool(), ctx.isa());
      kernels::ReduceToShape(np, xd, ds.data<float>(), *sd, ctx.pool(),
                             ctx.isa());
    }
    return absl::OkStatus();
  }

 private:
  bool need_x_ = true, need_slope_ = true;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_RETURN_IF_ERROR(RequireF32(c, 1));
  const graph::ValueType& x = c.input(0);
  const graph::ValueType& s = c.input(1);
  if (x.has_rank && s.has_rank) {
    absl::StatusOr<std::vector<int64_t>> y = BroadcastDims(x.dims, s.dims);
    if (!y.ok()) return c.Error(std::string(y.status().message()));
    if (y->size() != x.dims.size()) {
      return c.Error("slope " + s.ToString() + " has a higher rank than x " +
                     x.ToString());
    }
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const bool nx = b.needs_input_grad(0), ns = b.needs_input_grad(1);
  if (!nx && !ns) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("PReluGrad", {b.output_grad(0), b.input(0), b.input(1)},
             {{"need_x", int64_t{nx}}, {"need_slope", int64_t{ns}}},
             int{nx} + int{ns}));
  if (nx) b.SetInputGrad(0, g[0]);
  if (ns) b.SetInputGrad(1, g[nx ? 1 : 0]);
  return absl::OkStatus();
}

absl::Status InferGrad(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(int64_t nx, c.attrs().GetIntOr("need_x", 1, ""));
  QS_ASSIGN_OR_RETURN(int64_t ns, c.attrs().GetIntOr("need_slope", 1, ""));
  if (c.num_outputs() != (nx != 0) + (ns != 0)) {
    return c.Error("one output per needed gradient");
  }
  int out = 0;
  if (nx) c.set_output(out++, c.input(1));
  if (ns) c.set_output(out, c.input(2));
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakePReluOp() {
  graph::OpDef d;
  d.type = "PRelu";
  d.min_inputs = d.max_inputs = 2;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<PReluKernel>;
  d.backward = Backward;
  d.onnx = {"PRelu", "", 9};
  return d;
}

graph::OpDef MakePReluGradOp() {
  graph::OpDef d;
  d.type = "PReluGrad";
  d.min_inputs = d.max_inputs = 3;
  d.max_outputs = 2;
  d.attrs = {{"need_x", graph::AttrType::kInt},
             {"need_slope", graph::AttrType::kInt}};
  d.infer = InferGrad;
  d.make_cpu_kernel = MakeKernel<PReluGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
