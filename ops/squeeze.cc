// Squeeze and Unsqueeze: views (no copy of a contiguous input), ONNX
// semantics. `axes` is input 1 (opset 13+) or the attribute (opset 1-11).
//  Squeeze: removes the listed size-1 axes (all size-1 axes when none are
//    given); squeezing an axis whose size is not 1 is an error.
//  Unsqueeze: inserts size-1 axes at `axes`, which index the OUTPUT (rank
//    r + len(axes)); negative and repeated axes as ONNX.
// Backward: the gradient reshaped back to the input's shape.
#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// Squeezed dims; `in` may hold -1 (shape inference): nullopt when the
// result depends on an unknown dim (no axes given).
absl::StatusOr<std::optional<std::vector<int64_t>>> SqueezeDims(
    const std::vector<int64_t>& in,
    const std::optional<std::vector<int64_t>>& axes) {
  const int r = static_cast<int>(in.size());
  std::vector<bool> drop(r, false);
  if (axes) {
    QS_ASSIGN_OR_RETURN(std::vector<int> ax, NormalizeAxes(*axes, r));
    for (int a : ax) {
      if (in[a] > 1 || in[a] == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot squeeze axis ", a, " of size ", in[a]));
      }
      drop[a] = true;
    }
  } else {
    for (int a = 0; a < r; ++a) {
      if (in[a] < 0) return std::optional<std::vector<int64_t>>();
      drop[a] = in[a] == 1;
    }
  }
  std::vector<int64_t> out;
  for (int a = 0; a < r; ++a) {
    if (!drop[a]) out.push_back(in[a]);
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

absl::StatusOr<std::vector<int64_t>> UnsqueezeDims(
    const std::vector<int64_t>& in, const std::vector<int64_t>& axes) {
  const int r = static_cast<int>(in.size() + axes.size());
  QS_ASSIGN_OR_RETURN(std::vector<int> ax, NormalizeAxes(axes, r));
  std::vector<bool> is_new(r, false);
  for (int a : ax) is_new[a] = true;
  std::vector<int64_t> out(r);
  size_t k = 0;
  for (int a = 0; a < r; ++a) out[a] = is_new[a] ? 1 : in[k++];
  return out;
}

template <bool kSqueeze>
class SqueezeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<SqueezeKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<SqueezeKernel>();
    QS_ASSIGN_OR_RETURN(k->attr_axes_, OptionalIntsAttr(node, "axes"));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    QS_ASSIGN_OR_RETURN(auto axes, RunIntsArg(ctx, 1, attr_axes_));
    std::vector<int64_t> dims;
    if constexpr (kSqueeze) {
      absl::StatusOr<std::optional<std::vector<int64_t>>> d =
          SqueezeDims(x.shape().dims(), axes);
      if (!d.ok()) return ctx.Error(std::string(d.status().message()));
      dims = std::move(**d);
    } else {
      if (!axes) return ctx.Error("missing axes");
      absl::StatusOr<std::vector<int64_t>> d =
          UnsqueezeDims(x.shape().dims(), *axes);
      if (!d.ok()) return ctx.Error(std::string(d.status().message()));
      dims = std::move(*d);
    }
    return SetReshapedOutput(ctx, 0, x, std::move(dims));
  }

 private:
  std::optional<std::vector<int64_t>> attr_axes_;
};

absl::Status InferSqueeze(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(IntsArg axes, InferIntsArg(c, 1, "axes"));
  graph::ValueType out{in.dtype, {}, false};
  if (in.has_rank && (!axes.present || axes.values)) {
    absl::StatusOr<std::optional<std::vector<int64_t>>> d =
        SqueezeDims(in.dims, axes.values);
    if (!d.ok()) return c.Error(std::string(d.status().message()));
    if (*d) out = TypeWithDims(in.dtype, std::move(**d));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

absl::Status InferUnsqueeze(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(IntsArg axes, InferIntsArg(c, 1, "axes"));
  if (!axes.present) return c.Error("missing axes");
  graph::ValueType out{in.dtype, {}, false};
  if (in.has_rank && axes.values) {
    absl::StatusOr<std::vector<int64_t>> d =
        UnsqueezeDims(in.dims, *axes.values);
    if (!d.ok()) return c.Error(std::string(d.status().message()));
    out = TypeWithDims(in.dtype, std::move(*d));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      EmitReshapeBack(b, b.output_grad(0), 0));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

graph::OpDef Make(const char* type, bool squeeze) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.attrs = {{"axes", graph::AttrType::kInts}};
  d.infer = squeeze ? InferSqueeze : InferUnsqueeze;
  d.make_cpu_kernel = squeeze ? MakeKernel<SqueezeKernel<true>>
                              : MakeKernel<SqueezeKernel<false>>;
  d.backward = Backward;
  d.onnx = {type, "", 1};
  return d;
}

}  // namespace

graph::OpDef MakeSqueezeOp() { return Make("Squeeze", true); }
graph::OpDef MakeUnsqueezeOp() { return Make("Unsqueeze", false); }

}  // namespace quantsim::ops
