// Hardmax(input; axis = -1) (ONNX 13): 1 at the first maximum along `axis`,
// 0 elsewhere (older opsets' 2-D coercion is rewritten on import). f32 or
// f64; a NaN counts as the maximum. Non-differentiable (piecewise
// constant).
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

class HardmaxKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<HardmaxKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<HardmaxKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", -1, node.Describe()));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<int> axis = NormalizeAxis(axis_, x.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, x.shape(), x.dtype()));
    const kernels::ReducePlan p =
        kernels::MakeReducePlan(x.shape().dims(), {*axis});
    kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        const T* px = x.data<T>();
        T* py = y.data<T>();
        kernels::ForEachReduced(p, ctx.pool(), [&](int64_t, int64_t base) {
          size_t best = 0;
          for (size_t j = 0; j < p.offsets.size(); ++j) {
            const T v = px[base + p.offsets[j]];
            py[base + p.offsets[j]] = T(0);
            const T bv = px[base + p.offsets[best]];
            if (!std::isnan(bv) && (std::isnan(v) || v > bv)) best = j;
          }
          if (!p.offsets.empty()) py[base + p.offsets[best]] = T(1);
        });
      }
    });
    return absl::OkStatus();
  }

 private:
  int64_t axis_ = -1;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(c, 0, IsFloatDType, "f32 or f64"));
  const graph::ValueType& x = c.input(0);
  if (x.has_rank) {
    QS_ASSIGN_OR_RETURN(int64_t axis,
                        c.attrs().GetIntOr("axis", -1, c.node().Describe()));
    absl::StatusOr<int> a =
        NormalizeAxis(axis, static_cast<int>(x.dims.size()));
    if (!a.ok()) return c.Error(std::string(a.status().message()));
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeHardmaxOp() {
  graph::OpDef d;
  d.type = "Hardmax";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<HardmaxKernel>;
  d.differentiable = false;
  d.onnx = {"Hardmax", "", 13};
  return d;
}

}  // namespace quantsim::ops
