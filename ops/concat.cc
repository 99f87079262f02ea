// Concat(axis): joins inputs of one dtype and rank along `axis` (negative
// counts from the end); all other dims must agree. Any dtype.
// Backward: SplitLike(g, x_0 .. x_n-1) (see split.cc) gives each input its
// slab of the gradient.
#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class ConcatKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ConcatKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ConcatKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_, node.attrs.GetInt("axis", node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x0 = ctx.input(0);
    absl::StatusOr<int> axis = NormalizeAxis(axis_, x0.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    std::vector<int64_t> dims = x0.shape().dims();
    dims[*axis] = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const engine::Tensor& x = ctx.input(i);
      bool ok = x.rank() == x0.rank() && x.dtype() == x0.dtype();
      for (int a = 0; ok && a < x.rank(); ++a) {
        ok = a == *axis || x.dim(a) == x0.dim(a);
      }
      if (!ok) {
        return ctx.Error(absl::StrCat("input ", i, " ", x.DebugString(),
                                      " does not concat with input 0 ",
                                      x0.DebugString()));
      }
      dims[*axis] += x.dim(*axis);
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(dims), x0.dtype()));
    const std::vector<int64_t> ys = ContiguousStrides(dims);
    const size_t es = engine::DTypeSize(x0.dtype());
    char* dst = static_cast<char*>(y.raw_data());
    int64_t at = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const engine::Tensor& x = ctx.input(i);
      StridedCopy(x.raw_data(), x.strides(), dst + at * ys[*axis] * es, ys,
                  x.shape().dims(), es, ctx.pool());
      at += x.dim(*axis);
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_ = 0;
};

absl::Status Infer(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(int64_t axis_attr,
                      c.attrs().GetInt("axis", c.node().Describe()));
  const engine::DType dtype = c.input(0).dtype;
  std::vector<int64_t> dims;
  bool have_rank = false;
  int axis = 0;
  int64_t total = 0;
  for (int i = 0; i < c.num_inputs(); ++i) {
    const graph::ValueType& t = c.input(i);
    if (t.dtype != dtype) {
      return c.Error(absl::StrCat("input ", i, " is ", t.ToString(),
                                  ", input 0 is ", c.input(0).ToString()));
    }
    if (!t.has_rank) {
      total = -1;
      continue;
    }
    if (!have_rank) {
      absl::StatusOr<int> a =
          NormalizeAxis(axis_attr, static_cast<int>(t.dims.size()));
      if (!a.ok()) return c.Error(std::string(a.status().message()));
      axis = *a;
      dims = t.dims;
      have_rank = true;
    } else if (t.dims.size() != dims.size()) {
      return c.Error(absl::StrCat("input ", i, " ", t.ToString(),
                                  " has a different rank than ",
                                  TypeWithDims(dtype, dims).ToString()));
    }
    for (size_t a = 0; a < dims.size(); ++a) {
      if (static_cast<int>(a) == axis) continue;
      if (dims[a] < 0) {
        dims[a] = t.dims[a];
      } else if (t.dims[a] >= 0 && t.dims[a] != dims[a]) {
        return c.Error(absl::StrCat("input ", i, " ", t.ToString(),
                                    " does not match the others along axis ", a,
                                    " (", dims[a], ")"));
      }
    }
    if (total >= 0) total = t.dims[axis] < 0 ? -1 : total + t.dims[axis];
  }
  if (!have_rank) {
    c.set_output(0, graph::ValueType{dtype, {}, false});
    return absl::OkStatus();
  }
  dims[axis] = total;
  c.set_output(0, TypeWithDims(dtype, std::move(dims)));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const int n = static_cast<int>(b.node().inputs.size());
  std::vector<graph::ValueId> inputs = {b.output_grad(0)};
  for (int i = 0; i < n; ++i) inputs.push_back(b.input(i));
  QS_ASSIGN_OR_RETURN(int64_t axis,
                      b.node().attrs.GetInt("axis", b.node().Describe()));
  QS_ASSIGN_OR_RETURN(std::vector<graph::ValueId> gs,
                      b.Emit("SplitLike", inputs, {{"axis", axis}}, n));
  for (int i = 0; i < n; ++i) {
    if (b.needs_input_grad(i)) b.SetInputGrad(i, gs[i]);
  }
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeConcatOp() {
  graph::OpDef d;
  d.type = "Concat";
  d.min_inputs = 1;
  d.max_inputs = 1 << 20;
  d.attrs = {{"axis", graph::AttrType::kInt, true}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ConcatKernel>;
  d.backward = Backward;
  d.onnx = {"Concat", "", 1};
  return d;
}

}  // namespace quantsim::ops
