// Transpose(perm): y.dims[i] = x.dims[perm[i]], a contiguous copy (so later
// kernels read plain row-major data); perm defaults to the reversed axes.
// Any dtype. Backward: Transpose of the gradient with the inverse perm.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

absl::StatusOr<std::vector<int>> ResolvePerm(
    const std::optional<std::vector<int64_t>>& perm, int rank) {
  std::vector<int> p(rank);
  if (!perm) {
    for (int i = 0; i < rank; ++i) p[i] = rank - 1 - i;
    return p;
  }
  if (static_cast<int>(perm->size()) != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "perm [", absl::StrJoin(*perm, ", "), "] for rank ", rank));
  }
  absl::StatusOr<std::vector<int>> n = NormalizeAxes(*perm, rank);
  if (!n.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("perm [", absl::StrJoin(*perm, ", "),
                     "] is not a permutation: ", n.status().message()));
  }
  return n;
}

class TransposeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<TransposeKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<TransposeKernel>();
    QS_ASSIGN_OR_RETURN(k->perm_, OptionalIntsAttr(node, "perm"));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    absl::StatusOr<std::vector<int>> p = ResolvePerm(perm_, x.rank());
    if (!p.ok()) return ctx.Error(std::string(p.status().message()));
    std::vector<int64_t> dims(x.rank()), src_strides(x.rank());
    for (int i = 0; i < x.rank(); ++i) {
      dims[i] = x.dim((*p)[i]);
      src_strides[i] = x.strides()[(*p)[i]];
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(dims), x.dtype()));
    StridedCopy(x.raw_data(), src_strides, y.raw_data(),
                ContiguousStrides(dims), dims, engine::DTypeSize(x.dtype()),
                ctx.pool());
    return absl::OkStatus();
  }

 private:
  std::optional<std::vector<int64_t>> perm_;
};

absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(auto perm, OptionalIntsAttr(c.node(), "perm"));
  if (!in.has_rank) {
    c.set_output(
        0, perm ? TypeWithDims(in.dtype, std::vector<int64_t>(perm->size(), -1))
                : graph::ValueType{in.dtype, {}, false});
    return absl::OkStatus();
  }
  const int r = static_cast<int>(in.dims.size());
  absl::StatusOr<std::vector<int>> p = ResolvePerm(perm, r);
  if (!p.ok()) return c.Error(std::string(p.status().message()));
  std::vector<int64_t> dims(r);
  for (int i = 0; i < r; ++i) dims[i] = in.dims[(*p)[i]];
  c.set_output(0, TypeWithDims(in.dtype, std::move(dims)));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  graph::Attributes attrs;
  QS_ASSIGN_OR_RETURN(auto perm, OptionalIntsAttr(b.node(), "perm"));
  if (perm) {  // else the reversed axes, its own inverse
    std::vector<int64_t> inv(perm->size());
    const int r = static_cast<int>(perm->size());
    for (int i = 0; i < r; ++i) inv[((*perm)[i] + r) % r] = i;
    attrs.Set("perm", inv);
  }
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      b.Emit1("Transpose", {b.output_grad(0)}, attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeTransposeOp() {
  graph::OpDef d;
  d.type = "Transpose";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"perm", graph::AttrType::kInts}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<TransposeKernel>;
  d.backward = Backward;
  d.onnx = {"Transpose", "", 1};
  return d;
}

}  // namespace quantsim::ops
