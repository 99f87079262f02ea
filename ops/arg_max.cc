// ArgMax (ONNX opset 12 attributes; non-differentiable): int64 indices of
// the maximum along `axis` (default 0, negative allowed), keepdims (default
// 1), select_last_index (default 0: the first maximum). A NaN counts as the
// maximum (numpy). On kernels::ArgMax. Used for accuracy metrics.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/reduce/reduce.h"
#include "ops/arg_reduce_attrs.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class ArgMaxKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ArgMaxKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ArgMaxKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseArgReduceAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<int> axis =
        x.shape().NormalizeAxis(static_cast<int>(c_.axis));
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    QS_ASSIGN_OR_RETURN(kernels::Dims xd, ToKernelDims(x.shape()));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0,
                           engine::Shape(ArgReduceOutDims(x.shape().dims(),
                                                          *axis, c_.keepdims)),
                           engine::DType::kI64));
    kernels::ArgMax(x.data<float>(), xd, *axis, y.data<int64_t>(), c_.last,
                    ctx.pool());
    return absl::OkStatus();
  }

 private:
  ArgReduceAttrs c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(ArgReduceAttrs cfg, ParseArgReduceAttrs(c.node()));
  const graph::ValueType& x = c.input(0);
  graph::ValueType out;
  out.dtype = engine::DType::kI64;
  if (x.has_rank) {
    const int r = static_cast<int>(x.dims.size());
    if (cfg.axis < -r || cfg.axis >= r) {
      return c.Error(absl::StrCat("axis ", cfg.axis, " is out of range for ",
                                  x.ToString()));
    }
    const int axis = static_cast<int>(cfg.axis < 0 ? cfg.axis + r : cfg.axis);
    out = TypeWithDims(engine::DType::kI64,
                       ArgReduceOutDims(x.dims, axis, cfg.keepdims));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeArgMaxOp() {
  graph::OpDef d;
  d.type = "ArgMax";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"keepdims", graph::AttrType::kInt},
             {"select_last_index", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ArgMaxKernel>;
  d.differentiable = false;
  d.onnx = {"ArgMax", "", 12};
  return d;
}

}  // namespace quantsim::ops
