// AveragePool (ONNX opset 19): x [N, C, D_1..D_k], k = 1..3 ->
//   y [N, C, out_1..out_k]
// attrs: kernel_shape (required), strides, pads, dilations (opset 19),
// auto_pad, ceil_mode, count_include_pad.
// Kernels: kernels/cpu/pool; the divisor counts the window taps inside the
// input (count_include_pad = 0) or inside the explicitly padded input
// (count_include_pad = 1; taps that only exist because of ceil_mode never
// count, as in PyTorch and the ONNX reference).
// Backward: AveragePoolGrad (internal), dx = sum over windows of dy / count.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/pool/pool.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using kernels::Dims;
using kernels::PoolParams;

Dims ToDims(const engine::Shape& s) {
  Dims d;
  for (int64_t v : s.dims()) d.d[d.rank++] = v;
  return d;
}

class AveragePoolBase : public graph::OpKernel {
 protected:
  absl::Status Init(const graph::Node& node) {
    QS_ASSIGN_OR_RETURN(w_, ParseWindowAttrs(node));
    const std::string where = node.Describe();
    if (w_.rank() < 1 || w_.rank() > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": kernel_shape must have 1 to 3 dims"));
    }
    QS_ASSIGN_OR_RETURN(int64_t cip,
                        node.attrs.GetIntOr("count_include_pad", 0, where));
    count_include_pad_ = cip != 0;
    return absl::OkStatus();
  }

  absl::Status Prepare(graph::KernelContext& ctx, const engine::Tensor& x,
                       PoolParams* p, Dims* y_dims) const {
    if (x.rank() != w_.rank() + 2) {
      return ctx.Error(absl::StrCat("input ", x.shape().ToString(),
                                    " must have rank ", w_.rank() + 2));
    }
    const std::vector<int64_t> in(x.shape().dims().begin() + 2,
                                  x.shape().dims().end());
    FillWindowParams(w_, in, p);
    p->count_include_pad = count_include_pad_;
    absl::StatusOr<Dims> y = kernels::PoolOutputDims(ToDims(x.shape()), *p);
    if (!y.ok()) return ctx.Error(std::string(y.status().message()));
    *y_dims = *y;
    return absl::OkStatus();
  }

  WindowAttrs w_;
  bool count_include_pad_ = false;
};

class AveragePoolKernel final : public AveragePoolBase {
 public:
  static absl::StatusOr<std::unique_ptr<AveragePoolKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<AveragePoolKernel>();
    QS_RETURN_IF_ERROR(k->Init(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    PoolParams p;
    Dims yd;
    QS_RETURN_IF_ERROR(Prepare(ctx, x, &p, &yd));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(
            0, engine::Shape(std::vector<int64_t>(yd.d, yd.d + yd.rank))));
    kernels::AveragePoolForward(x.data<float>(), ToDims(x.shape()), p,
                                y.data<float>(), ctx.pool());
    return absl::OkStatus();
  }
};

// AveragePoolGrad (internal): (dy, x) -> dx; x only gives the shape.
class AveragePoolGradKernel final : public AveragePoolBase {
 public:
  static absl::StatusOr<std::unique_ptr<AveragePoolGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<AveragePoolGradKernel>();
    QS_RETURN_IF_ERROR(k->Init(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    const engine::Tensor& x = ctx.input(1);
    PoolParams p;
    Dims yd;
    QS_RETURN_IF_ERROR(Prepare(ctx, x, &p, &yd));
    if (ToDims(dy.shape()) != yd) {
      return ctx.Error(absl::StrCat("dy ", dy.shape().ToString(),
                                    " does not match the pool output"));
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    kernels::AveragePoolBackward(dy.data<float>(), ToDims(x.shape()), p,
                                 dx.data<float>(), ctx.pool());
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(c.node()));
  if (w.rank() < 1 || w.rank() > 3) {
    return c.Error("kernel_shape must have 1 to 3 dims");
  }
  QS_ASSIGN_OR_RETURN(graph::ValueType y, WindowOutputType(c, w));
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("AveragePoolGrad", {b.output_grad(0), b.input(0)},
                              b.node().attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeAveragePoolOp() {
  graph::OpDef d;
  d.type = "AveragePool";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"kernel_shape", graph::AttrType::kInts, true},
             {"strides", graph::AttrType::kInts},
             {"pads", graph::AttrType::kInts},
             {"dilations", graph::AttrType::kInts},
             {"auto_pad", graph::AttrType::kString},
             {"ceil_mode", graph::AttrType::kInt},
             {"count_include_pad", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<AveragePoolKernel>;
  d.backward = Backward;
  d.onnx = {"AveragePool", "", 19};
  return d;
}

graph::OpDef MakeAveragePoolGradOp() {
  graph::OpDef d = MakeAveragePoolOp();
  d.type = "AveragePoolGrad";
  d.min_inputs = d.max_inputs = 2;
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<AveragePoolGradKernel>;
  d.backward = nullptr;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
