// Split(axis = 0): cuts the input along `axis` into the node's outputs
// (contiguous copies). Sizes: the `split` input (opset 13+) or attribute
// (opset 2-12); else equal parts — with 'num_outputs' (opset 18) the last
// part may be smaller (ceil(d / n) each), without it d must divide evenly.
// Backward: Concat of the output gradients; outputs without a gradient
// contribute zeros (ConstantOfShape(Shape(y_i))).
// SplitLike(g, like_0 .. like_n-1; axis) (internal, Concat's backward): the
// same with sizes like_i.dims[axis].
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// Sizes of `n` parts of a dim of size `d` (-1: unknown, shape inference;
// then unknown sizes are -1).
absl::StatusOr<std::vector<int64_t>> SplitSizes(
    int64_t d, int n, const std::optional<std::vector<int64_t>>& split,
    bool split_present, std::optional<int64_t> num_outputs) {
  if (split_present) {
    if (!split) return std::vector<int64_t>(n, -1);
    if (static_cast<int>(split->size()) != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("split [", absl::StrJoin(*split, ", "), "] has ",
                       split->size(), " sizes for ", n, " outputs"));
    }
    int64_t sum = 0;
    for (int64_t s : *split) {
      if (s < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "negative size in split [", absl::StrJoin(*split, ", "), "]"));
      }
      sum += s;
    }
    if (d >= 0 && sum != d) {
      return absl::InvalidArgumentError(
          absl::StrCat("split [", absl::StrJoin(*split, ", "), "] sums to ",
                       sum, ", the axis has size ", d));
    }
    return *split;
  }
  if (num_outputs && *num_outputs != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_outputs = ", *num_outputs, " but the node has ", n, " outputs"));
  }
  if (d < 0) return std::vector<int64_t>(n, -1);
  if (!num_outputs) {
    if (d % n != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "axis of size ", d, " does not split evenly into ", n, " outputs"));
    }
    return std::vector<int64_t>(n, d / n);
  }
  const int64_t chunk = (d + n - 1) / n;
  if (chunk * (n - 1) > d) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis of size ", d, " is too small for ", n, " outputs"));
  }
  std::vector<int64_t> s(n, chunk);
  s[n - 1] = d - chunk * (n - 1);
  return s;
}

// Copies the parts of `x` along `axis` into fresh outputs.
absl::Status EmitParts(graph::KernelContext& ctx, const engine::Tensor& x,
                       int axis, const std::vector<int64_t>& sizes) {
  const size_t es = engine::DTypeSize(x.dtype());
  int64_t at = 0;
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    std::vector<int64_t> dims = x.shape().dims();
    dims[axis] = sizes[i];
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(i, engine::Shape(dims), x.dtype()));
    const char* src = static_cast<const char*>(x.raw_data()) +
                      at * x.strides()[axis] * static_cast<int64_t>(es);
    StridedCopy(src, x.strides(), y.raw_data(), ContiguousStrides(dims), dims,
                es, ctx.pool());
    at += sizes[i];
  }
  return absl::OkStatus();
}

template <bool kLike>
class SplitKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<SplitKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<SplitKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", 0, node.Describe()));
    QS_ASSIGN_OR_RETURN(k->attr_split_, OptionalIntsAttr(node, "split"));
    if (node.attrs.Has("num_outputs")) {
      QS_ASSIGN_OR_RETURN(k->num_outputs_,
                          node.attrs.GetInt("num_outputs", node.Describe()));
    }
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    absl::StatusOr<int> axis = NormalizeAxis(axis_, x.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    std::optional<std::vector<int64_t>> split;
    if constexpr (kLike) {
      split.emplace();
      for (int i = 1; i < ctx.num_inputs(); ++i) {
        split->push_back(ctx.input(i).dim(*axis));
      }
    } else {
      QS_ASSIGN_OR_RETURN(split, RunIntsArg(ctx, 1, attr_split_));
    }
    absl::StatusOr<std::vector<int64_t>> sizes =
        SplitSizes(x.dim(*axis), ctx.num_outputs(), split, split.has_value(),
                   num_outputs_);
    if (!sizes.ok()) return ctx.Error(std::string(sizes.status().message()));
    return EmitParts(ctx, x, *axis, *sizes);
  }

 private:
  int64_t axis_ = 0;
  std::optional<std::vector<int64_t>> attr_split_;
  std::optional<int64_t> num_outputs_;
};

template <bool kLike>
absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  const int n = c.num_outputs();
  QS_ASSIGN_OR_RETURN(int64_t axis_attr,
                      c.attrs().GetIntOr("axis", 0, c.node().Describe()));
  if (!in.has_rank) {
    for (int i = 0; i < n; ++i) c.set_output(i, {in.dtype, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<int> axis =
      NormalizeAxis(axis_attr, static_cast<int>(in.dims.size()));
  if (!axis.ok()) return c.Error(std::string(axis.status().message()));
  IntsArg split;
  std::optional<int64_t> num_outputs;
  if constexpr (kLike) {
    if (c.num_inputs() != n + 1) {
      return c.Error(
          absl::StrCat(c.num_inputs() - 1, " like-inputs for ", n, " outputs"));
    }
    // Each output takes its like-input's size (-1 when unknown); the sum is
    // checked at run time.
    for (int i = 0; i < n; ++i) {
      const graph::ValueType& t = c.input(i + 1);
      std::vector<int64_t> dims = in.dims;
      dims[*axis] = t.has_rank && *axis < static_cast<int>(t.dims.size())
                        ? t.dims[*axis]
                        : -1;
      c.set_output(i, TypeWithDims(in.dtype, std::move(dims)));
    }
    return absl::OkStatus();
  } else {
    QS_ASSIGN_OR_RETURN(split, InferIntsArg(c, 1, "split"));
    if (c.attrs().Has("num_outputs")) {
      QS_ASSIGN_OR_RETURN(num_outputs,
                          c.attrs().GetInt("num_outputs", c.node().Describe()));
    }
  }
  absl::StatusOr<std::vector<int64_t>> sizes =
      SplitSizes(in.dims[*axis], n, split.values, split.present, num_outputs);
  if (!sizes.ok()) return c.Error(std::string(sizes.status().message()));
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> dims = in.dims;
    dims[*axis] = (*sizes)[i];
    c.set_output(i, TypeWithDims(in.dtype, std::move(dims)));
  }
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const int n = static_cast<int>(b.node().outputs.size());
  std::vector<graph::ValueId> parts;
  for (int i = 0; i < n; ++i) {
    graph::ValueId g = b.output_grad(i);
    if (g == graph::kNoValue) {
      QS_ASSIGN_OR_RETURN(graph::ValueId shape,
                          b.Emit1("Shape", {b.output(i)}));
      QS_ASSIGN_OR_RETURN(g, b.Emit1("ConstantOfShape", {shape}));
    }
    parts.push_back(g);
  }
  QS_ASSIGN_OR_RETURN(int64_t axis,
                      b.node().attrs.GetIntOr("axis", 0, b.node().Describe()));
  QS_ASSIGN_OR_RETURN(graph::ValueId gx,
                      b.Emit1("Concat", parts, {{"axis", axis}}));
  b.SetInputGrad(0, gx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeSplitOp() {
  graph::OpDef d;
  d.type = "Split";
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.max_outputs = 1 << 20;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"split", graph::AttrType::kInts},
             {"num_outputs", graph::AttrType::kInt}};
  d.infer = Infer<false>;
  d.make_cpu_kernel = MakeKernel<SplitKernel<false>>;
  d.backward = Backward;
  d.onnx = {"Split", "", 1};
  return d;
}

graph::OpDef MakeSplitLikeOp() {
  graph::OpDef d;
  d.type = "SplitLike";
  d.min_inputs = 2;
  d.max_inputs = (1 << 20) + 1;
  d.max_outputs = 1 << 20;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = Infer<true>;
  d.make_cpu_kernel = MakeKernel<SplitKernel<true>>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
