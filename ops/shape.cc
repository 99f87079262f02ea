// Shape(data; start = 0, end = rank) (start/end: opset 15): the i64 1-D
// tensor of data's dims [start, end) (negative bounds count from the end,
// then clamped to [0, rank]). Not differentiable.
#include <algorithm>

#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct Range {
  int64_t start = 0, end = 0;
};

absl::StatusOr<Range> ShapeRange(const graph::Node& node, int64_t rank) {
  QS_ASSIGN_OR_RETURN(int64_t s,
                      node.attrs.GetIntOr("start", 0, node.Describe()));
  QS_ASSIGN_OR_RETURN(int64_t e,
                      node.attrs.GetIntOr("end", rank, node.Describe()));
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  s = std::clamp<int64_t>(s, 0, rank);
  e = std::clamp<int64_t>(e, 0, rank);
  return Range{s, std::max(s, e)};
}

class ShapeKernel final : public graph::OpKernel {
 public:
  explicit ShapeKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    QS_ASSIGN_OR_RETURN(Range r, ShapeRange(ctx.node(), x.rank()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape({r.end - r.start}),
                                           engine::DType::kI64));
    for (int64_t i = r.start; i < r.end; ++i) {
      y.data<int64_t>()[i - r.start] = x.dim(static_cast<int>(i));
    }
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  int64_t n = -1;
  if (in.has_rank) {
    QS_ASSIGN_OR_RETURN(Range r, ShapeRange(c.node(), in.dims.size()));
    n = r.end - r.start;
  }
  c.set_output(0, TypeWithDims(engine::DType::kI64, {n}));
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeShapeOp() {
  graph::OpDef d;
  d.type = "Shape";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"start", graph::AttrType::kInt}, {"end", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ShapeKernel>;
  d.differentiable = false;
  d.onnx = {"Shape", "", 1};
  return d;
}

}  // namespace quantsim::ops
