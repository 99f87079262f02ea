// ArgMax (ONNX opset 12 attributes; non-differentiable): int64 indices of
// the maximum along `axis` (default 0, negative allowed), keepdims (default
// 1), select_last_index (default 0: the first maximum). A NaN counts as the
// maximum (numpy). On kernels::ArgMax. Used for accuracy metrics.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/reduce/reduce.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct ArgMaxConfig {
  int64_t axis = 0;
  bool keepdims = true;
  bool last = false;
};

absl::StatusOr<ArgMaxConfig> Parse(const graph::Node& node) {
  const std::string where = node.Describe();
  ArgMaxConfig c;
  QS_ASSIGN_OR_RETURN(c.axis, node.attrs.GetIntOr("axis", 0, where));
  QS_ASSIGN_OR_RETURN(int64_t k, node.attrs.GetIntOr("keepdims", 1, where));
  QS_ASSIGN_OR_RETURN(int64_t l,
                      node.attrs.GetIntOr("select_last_index", 0, where));
  c.keepdims = k != 0;
  c.last = l != 0;
  return c;
}

std::vector<int64_t> OutDims(std::vector<int64_t> dims, int axis,
                             bool keepdims) {
  if (keepdims) {
    dims[axis] = 1;
  } else {
    dims.erase(dims.begin() + axis);
  }
  return dims;
}

class ArgMaxKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ArgMaxKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ArgMaxKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, Parse(node));
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
        ctx.AllocateOutput(
            0, engine::Shape(OutDims(x.shape().dims(), *axis, c_.keepdims)),
            engine::DType::kI64));
    kernels::ArgMax(x.data<float>(), xd, *axis, y.data<int64_t>(), c_.last,
                    ctx.pool());
    return absl::OkStatus();
  }

 private:
  ArgMaxConfig c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(ArgMaxConfig cfg, Parse(c.node()));
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
    out =
        TypeWithDims(engine::DType::kI64, OutDims(x.dims, axis, cfg.keepdims));
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
