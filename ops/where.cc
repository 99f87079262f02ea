// Where(condition, X, Y) (ONNX 9/16): y = condition ? X : Y with numpy
// broadcasting of all three; condition bool, X and Y of one dtype (any but
// f16/bf16; strings are not modelled).
// Backward (f32): dX = SumToShape(Where(c, dy, 0), X), dY likewise with
// Where(c, 0, dy); the condition gets none.
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

using engine::DType;

class WhereKernel final : public graph::OpKernel {
 public:
  explicit WhereKernel(const graph::Node&) {}

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor c, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor a, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor b, ctx.input(2).Contiguous());
    if (c.dtype() != DType::kBool || a.dtype() != b.dtype()) {
      return ctx.Error("condition must be bool and X, Y of one dtype");
    }
    QS_ASSIGN_OR_RETURN(engine::Shape ys,
                        BroadcastAll(ctx, {c.shape(), a.shape(), b.shape()}));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, ys, a.dtype()));
    const kernels::BroadcastPlan p = kernels::MakeBroadcastPlan(
        ys.dims(), {c.shape().dims(), a.shape().dims(), b.shape().dims()});
    const bool* pc = c.data<bool>();
    const bool ok = kernels::VisitDType(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* py = y.data<T>();
      kernels::ForEachBroadcastRow(
          p, ctx.pool(),
          [&](int64_t o, int64_t len, const int64_t* off, const int64_t* st) {
            for (int64_t i = 0; i < len; ++i) {
              py[o + i] = pc[off[0] + i * st[0]] ? pa[off[1] + i * st[1]]
                                                 : pb[off[2] + i * st[2]];
            }
          });
    });
    if (!ok) {
      return ctx.Error(
          absl::StrCat("unsupported dtype ", engine::DTypeName(a.dtype())));
    }
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0, [](DType d) { return d == DType::kBool; }, "bool"));
  QS_RETURN_IF_ERROR(RequireSameDType(c, 1, 2));
  return InferBroadcastOf(c, {0, 1, 2}, c.input(1).dtype);
}

absl::Status Backward(graph::GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(graph::ValueId zero, b.Scalar(0.0f));
  for (int i = 1; i <= 2; ++i) {
    if (!b.needs_input_grad(i)) continue;
    const graph::ValueId dy = b.output_grad(0);
    QS_ASSIGN_OR_RETURN(
        graph::ValueId g,
        b.Emit1("Where", {b.input(0), i == 1 ? dy : zero, i == 1 ? zero : dy}));
    QS_ASSIGN_OR_RETURN(graph::ValueId s,
                        b.Emit1("SumToShape", {g, b.input(i)}));
    b.SetInputGrad(i, s);
  }
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeWhereOp() {
  graph::OpDef d;
  d.type = "Where";
  d.min_inputs = d.max_inputs = 3;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<WhereKernel>;
  d.backward = Backward;
  d.onnx = {"Where", "", 9};
  return d;
}

}  // namespace quantsim::ops
