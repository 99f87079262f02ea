// ArgMin (ONNX 13): int64 indices of the minimum along `axis` (default 0,
// negative allowed), keepdims (default 1), select_last_index (default 0:
// the first minimum). Any numeric dtype. A NaN counts as the minimum (numpy
// argmin: the first NaN wins). Non-differentiable.
#include <cmath>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/arg_reduce_attrs.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

class ArgMinKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ArgMinKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ArgMinKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseArgReduceAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<int> axis = NormalizeAxis(c_.axis, x.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    if (x.dim(*axis) == 0) return ctx.Error("ArgMin over an empty axis");
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0,
                           engine::Shape(ArgReduceOutDims(x.shape().dims(),
                                                          *axis, c_.keepdims)),
                           engine::DType::kI64));
    const kernels::ReducePlan p =
        kernels::MakeReducePlan(x.shape().dims(), {*axis});
    int64_t* py = y.data<int64_t>();
    const bool last = c_.last;
    kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      kernels::ForEachReduced(p, ctx.pool(), [&](int64_t o, int64_t base) {
        const int64_t n = static_cast<int64_t>(p.offsets.size());
        int64_t best = 0;
        T bv = px[base];
        if (!IsNan(bv)) {
          for (int64_t j = 1; j < n; ++j) {
            const T v = px[base + p.offsets[j]];
            if (IsNan(v)) {
              best = j;
              break;
            }
            if (v < bv || (last && v == bv)) {
              best = j;
              bv = v;
            }
          }
        }
        py[o] = best;
      });
    });
    return absl::OkStatus();
  }

 private:
  ArgReduceAttrs c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0, [](engine::DType d) { return IsFloatDType(d) || IsIntDType(d); },
      "numeric"));
  QS_ASSIGN_OR_RETURN(ArgReduceAttrs cfg, ParseArgReduceAttrs(c.node()));
  const graph::ValueType& x = c.input(0);
  graph::ValueType out;
  out.dtype = engine::DType::kI64;
  if (x.has_rank) {
    absl::StatusOr<int> axis =
        NormalizeAxis(cfg.axis, static_cast<int>(x.dims.size()));
    if (!axis.ok()) return c.Error(std::string(axis.status().message()));
    out = TypeWithDims(engine::DType::kI64,
                       ArgReduceOutDims(x.dims, *axis, cfg.keepdims));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeArgMinOp() {
  graph::OpDef d;
  d.type = "ArgMin";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"keepdims", graph::AttrType::kInt},
             {"select_last_index", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ArgMinKernel>;
  d.differentiable = false;
  d.onnx = {"ArgMin", "", 12};
  return d;
}

}  // namespace quantsim::ops
