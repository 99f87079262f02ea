// Reshape and Flatten: views of a contiguous input (no copy), ONNX semantics.
//  Reshape(data, shape) (opset 5+; the opset-1 'shape' attribute is accepted
//  when the input is absent): a 0 in `shape` copies the input's dim at that
//  index unless allowzero = 1; one -1 is inferred from the element count.
//  Flatten(axis = 1, -r <= axis <= r): [prod(d[:axis]), prod(d[axis:])].
// Backward: the gradient reshaped back to the input's shape.
// ReshapeLike(x, like) (internal, the backward of the above when the input
// shape is dynamic): x viewed with like's run-time shape; typed like `like`.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// Output dims of Reshape. `in` may hold -1 (unknown, shape inference) or
// have unknown rank (`in_rank` = false); then affected dims become -1.
absl::StatusOr<std::vector<int64_t>> ResolveReshape(
    const std::vector<int64_t>& in, bool in_rank,
    const std::vector<int64_t>& spec, bool allowzero) {
  std::vector<int64_t> out(spec.size());
  int infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t s = spec[i];
    if (s < -1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid shape entry ", s, " in [", absl::StrJoin(spec, ", "), "]"));
    }
    if (s == -1) {
      if (infer_at >= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than one -1 in shape [", absl::StrJoin(spec, ", "), "]"));
      }
      infer_at = static_cast<int>(i);
      out[i] = -1;
    } else if (s == 0 && !allowzero) {
      if (!in_rank) {
        out[i] = -1;
      } else if (i < in.size()) {
        out[i] = in[i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("shape entry ", i,
                         " is 0 (copy) but the input has rank ", in.size()));
      }
    } else {
      has_zero = has_zero || s == 0;
      out[i] = s;
    }
  }
  if (has_zero && infer_at >= 0) {
    return absl::InvalidArgumentError("allowzero = 1 shape has both 0 and -1");
  }
  // Dims copied by a 0 cancel out, so a dynamic dim that is copied does not
  // hide the -1: compare the products of the remaining dims only.
  if (!in_rank) return out;
  std::vector<bool> copied(in.size(), false);
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == 0 && !allowzero) copied[i] = true;
  }
  int64_t n_in = 1, known = 1;
  for (size_t i = 0; i < in.size(); ++i) {
    if (copied[i]) continue;
    if (in[i] < 0) return out;  // checked at run time
    n_in *= in[i];
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int>(i) == infer_at || (i < copied.size() && copied[i])) {
      continue;
    }
    if (out[i] < 0) return out;
    known *= out[i];
  }
  if (infer_at >= 0) {
    if (known == 0 || n_in % known != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot infer -1 reshaping [", absl::StrJoin(in, ", "),
                       "] to [", absl::StrJoin(spec, ", "), "]"));
    }
    out[infer_at] = n_in / known;
  } else if (known != n_in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot reshape [", absl::StrJoin(in, ", "), "] to [",
                     absl::StrJoin(spec, ", "), "]"));
  }
  return out;
}

class ReshapeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReshapeKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReshapeKernel>();
    QS_ASSIGN_OR_RETURN(k->attr_shape_, OptionalIntsAttr(node, "shape"));
    QS_ASSIGN_OR_RETURN(int64_t az,
                        node.attrs.GetIntOr("allowzero", 0, node.Describe()));
    k->allowzero_ = az != 0;
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    QS_ASSIGN_OR_RETURN(auto spec, RunIntsArg(ctx, 1, attr_shape_));
    if (!spec) return ctx.Error("missing shape");
    absl::StatusOr<std::vector<int64_t>> dims =
        ResolveReshape(x.shape().dims(), true, *spec, allowzero_);
    if (!dims.ok()) return ctx.Error(std::string(dims.status().message()));
    return SetReshapedOutput(ctx, 0, x, std::move(*dims));
  }

 private:
  std::optional<std::vector<int64_t>> attr_shape_;
  bool allowzero_ = false;
};

absl::Status InferReshape(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(IntsArg shape, InferIntsArg(c, 1, "shape"));
  if (!shape.present) return c.Error("missing shape (input 1)");
  QS_ASSIGN_OR_RETURN(int64_t az,
                      c.attrs().GetIntOr("allowzero", 0, c.node().Describe()));
  graph::ValueType out{in.dtype, {}, false};
  if (shape.values) {
    absl::StatusOr<std::vector<int64_t>> dims =
        ResolveReshape(in.dims, in.has_rank, *shape.values, az != 0);
    if (!dims.ok()) return c.Error(std::string(dims.status().message()));
    out = TypeWithDims(in.dtype, std::move(*dims));
  } else {
    const graph::ValueType& st = c.input(1);
    if (st.has_rank && st.dims.size() == 1 && st.dims[0] >= 0) {
      out = TypeWithDims(in.dtype, std::vector<int64_t>(st.dims[0], -1));
    }
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

absl::Status BackwardReshape(graph::GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      EmitReshapeBack(b, b.output_grad(0), 0));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> FlattenDims(const std::vector<int64_t>& in,
                                                 int64_t axis) {
  const int r = static_cast<int>(in.size());
  if (axis < -r || axis > r) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " out of range for rank ", r));
  }
  if (axis < 0) axis += r;
  const std::vector<int64_t> lo(in.begin(), in.begin() + axis);
  const std::vector<int64_t> hi(in.begin() + axis, in.end());
  return std::vector<int64_t>{KnownProduct(lo), KnownProduct(hi)};
}

class FlattenKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<FlattenKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<FlattenKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", 1, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    absl::StatusOr<std::vector<int64_t>> dims =
        FlattenDims(x.shape().dims(), axis_);
    if (!dims.ok()) return ctx.Error(std::string(dims.status().message()));
    return SetReshapedOutput(ctx, 0, x, std::move(*dims));
  }

 private:
  int64_t axis_ = 1;
};

absl::Status InferFlatten(graph::InferContext& c) {
  const graph::ValueType& in = c.input(0);
  QS_ASSIGN_OR_RETURN(int64_t axis,
                      c.attrs().GetIntOr("axis", 1, c.node().Describe()));
  if (!in.has_rank) {
    c.set_output(0, TypeWithDims(in.dtype, {-1, -1}));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<int64_t>> dims = FlattenDims(in.dims, axis);
  if (!dims.ok()) return c.Error(std::string(dims.status().message()));
  c.set_output(0, TypeWithDims(in.dtype, std::move(*dims)));
  return absl::OkStatus();
}

class ReshapeLikeKernel final : public graph::OpKernel {
 public:
  explicit ReshapeLikeKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    return SetReshapedOutput(ctx, 0, ctx.input(0), ctx.input(1).shape().dims());
  }
};

absl::Status InferReshapeLike(graph::InferContext& c) {
  graph::ValueType t = c.input(1);
  t.dtype = c.input(0).dtype;
  const int64_t a = KnownProduct(c.input(0).dims), b = KnownProduct(t.dims);
  if (c.input(0).has_rank && t.has_rank && a >= 0 && b >= 0 && a != b) {
    return c.Error(c.input(0).ToString() + " cannot be reshaped like " +
                   t.ToString());
  }
  c.set_output(0, t);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeReshapeLikeOp() {
  graph::OpDef d;
  d.type = "ReshapeLike";
  d.min_inputs = d.max_inputs = 2;
  d.infer = InferReshapeLike;
  d.make_cpu_kernel = MakeKernel<ReshapeLikeKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

graph::OpDef MakeReshapeOp() {
  graph::OpDef d;
  d.type = "Reshape";
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.attrs = {{"allowzero", graph::AttrType::kInt},
             {"shape", graph::AttrType::kInts}};
  d.infer = InferReshape;
  d.make_cpu_kernel = MakeKernel<ReshapeKernel>;
  d.backward = BackwardReshape;
  d.onnx = {"Reshape", "", 1};
  return d;
}

graph::OpDef MakeFlattenOp() {
  graph::OpDef d;
  d.type = "Flatten";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = InferFlatten;
  d.make_cpu_kernel = MakeKernel<FlattenKernel>;
  d.backward = BackwardReshape;
  d.onnx = {"Flatten", "", 1};
  return d;
}

}  // namespace quantsim::ops
