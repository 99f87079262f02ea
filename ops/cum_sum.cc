// CumSum(x, axis) (ONNX 11/14): cumulative sum along the scalar (or
// one-element) int32/int64 `axis` input; exclusive = 1 leaves out the
// element itself (first result 0), reverse = 1 sums from the end. Numeric
// dtypes; floats accumulate in their own type, in order.
// Backward (w.r.t. x): CumSum(dy, axis) with reverse flipped and the same
// exclusive flag (the adjoint of a prefix sum is a suffix sum).
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

class CumSumKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<CumSumKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<CumSumKernel>();
    const std::string where = node.Describe();
    QS_ASSIGN_OR_RETURN(int64_t e, node.attrs.GetIntOr("exclusive", 0, where));
    QS_ASSIGN_OR_RETURN(int64_t r, node.attrs.GetIntOr("reverse", 0, where));
    k->exclusive_ = e != 0;
    k->reverse_ = r != 0;
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> av, TensorToInts(ctx.input(1)));
    if (av.size() != 1) return ctx.Error("axis must hold one value");
    absl::StatusOr<int> axis = NormalizeAxis(av[0], x.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, x.shape(), x.dtype()));
    const int64_t n = x.dim(*axis);
    const int64_t outer = x.shape().Product(0, *axis);
    const int64_t inner = x.shape().Product(*axis + 1, x.rank());
    const bool excl = exclusive_, rev = reverse_;
    const bool ok = kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T* py = y.data<T>();
      engine::ParallelFor(
          ctx.pool(), outer * inner, std::max<int64_t>(1, 4096 / (n + 1)),
          [&](int64_t b, int64_t e) {
            for (int64_t s = b; s < e; ++s) {
              const int64_t base = (s / inner) * n * inner + s % inner;
              T acc = T(0);
              for (int64_t j = 0; j < n; ++j) {
                const int64_t at = base + (rev ? n - 1 - j : j) * inner;
                if (excl) {
                  py[at] = acc;
                  acc = static_cast<T>(acc + px[at]);
                } else {
                  acc = static_cast<T>(acc + px[at]);
                  py[at] = acc;
                }
              }
            }
          });
    });
    if (!ok) return ctx.Error("unsupported dtype");
    return absl::OkStatus();
  }

 private:
  bool exclusive_ = false, reverse_ = false;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0, [](engine::DType d) { return IsFloatDType(d) || IsIntDType(d); },
      "numeric"));
  QS_RETURN_IF_ERROR(RequireDType(c, 1, IsIndexDType, "i32 or i64"));
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  graph::Attributes attrs = b.node().attrs;
  QS_ASSIGN_OR_RETURN(int64_t r, attrs.GetIntOr("reverse", 0, ""));
  attrs.Set("reverse", int64_t{r == 0 ? 1 : 0});
  QS_ASSIGN_OR_RETURN(
      graph::ValueId g,
      b.Emit1("CumSum", {b.output_grad(0), b.input(1)}, std::move(attrs)));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeCumSumOp() {
  graph::OpDef d;
  d.type = "CumSum";
  d.min_inputs = d.max_inputs = 2;
  d.attrs = {{"exclusive", graph::AttrType::kInt},
             {"reverse", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<CumSumKernel>;
  d.backward = Backward;
  d.onnx = {"CumSum", "", 11};
  return d;
}

}  // namespace quantsim::ops
