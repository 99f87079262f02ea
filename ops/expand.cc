// Expand(data, shape): data broadcast (numpy rules, both ways as ONNX) with
// the i64 `shape`; a contiguous copy. Any dtype.
// Backward (w.r.t. data): SumToShape(g, data).
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class ExpandKernel final : public graph::OpKernel {
 public:
  explicit ExpandKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    absl::StatusOr<std::vector<int64_t>> shape = TensorToInts(ctx.input(1));
    if (!shape.ok()) return ctx.Error(std::string(shape.status().message()));
    for (int64_t v : *shape) {
      if (v < 0) return ctx.Error("negative dim in shape");
    }
    absl::StatusOr<std::vector<int64_t>> dims =
        BroadcastDims(x.shape().dims(), *shape);
    if (!dims.ok()) return ctx.Error(std::string(dims.status().message()));
    const int r = static_cast<int>(dims->size());
    const int off = r - x.rank();
    std::vector<int64_t> src_strides(r, 0);
    for (int a = off; a < r; ++a) {
      if (x.dim(a - off) != 1) src_strides[a] = x.strides()[a - off];
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(*dims), x.dtype()));
    StridedCopy(x.raw_data(), src_strides, y.raw_data(),
                ContiguousStrides(*dims), *dims, engine::DTypeSize(x.dtype()),
                ctx.pool());
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(IntsArg shape, InferIntsArg(c, 1, ""));
  graph::ValueType out{in.dtype, {}, false};
  if (in.has_rank && shape.values) {
    absl::StatusOr<std::vector<int64_t>> dims =
        BroadcastDims(in.dims, *shape.values);
    if (!dims.ok()) return c.Error(std::string(dims.status().message()));
    out = TypeWithDims(in.dtype, std::move(*dims));
  } else if (in.has_rank && c.input(1).has_rank &&
             c.input(1).dims.size() == 1 && c.input(1).dims[0] >= 0) {
    const size_t r = std::max<size_t>(in.dims.size(), c.input(1).dims[0]);
    out = TypeWithDims(in.dtype, std::vector<int64_t>(r, -1));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      b.Emit1("SumToShape", {b.output_grad(0), b.input(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeExpandOp() {
  graph::OpDef d;
  d.type = "Expand";
  d.min_inputs = d.max_inputs = 2;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ExpandKernel>;
  d.backward = Backward;
  d.onnx = {"Expand", "", 8};
  return d;
}

}  // namespace quantsim::ops
