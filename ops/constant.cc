// Constant: outputs its attribute tensor (shared, no copy). Exactly one of
// value (tensor), value_float (f32 scalar), value_floats (f32 1-D),
// value_int (i64 scalar), value_ints (i64 1-D). No inputs, no gradient.
// ConstantOfShape(shape; value): a tensor of dims `shape` (i64 1-D) filled
// with the single element of `value` (default f32 0). No gradient.
#include <cstring>

#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

absl::StatusOr<engine::Tensor> ConstantValue(const graph::Node& node) {
  const graph::Attributes& a = node.attrs;
  const std::string& w = node.Describe();
  if (a.size() != 1) {
    return absl::InvalidArgumentError(
        w + ": needs exactly one of value, value_float(s), value_int(s)");
  }
  if (a.Has("value")) return a.GetTensor("value", w);
  if (a.Has("value_float")) {
    QS_ASSIGN_OR_RETURN(float v, a.GetFloat("value_float", w));
    return engine::Tensor::FromVector<float>(engine::Shape(), {v});
  }
  if (a.Has("value_floats")) {
    QS_ASSIGN_OR_RETURN(std::vector<float> v, a.GetFloats("value_floats", w));
    return engine::Tensor::FromVector<float>(
        engine::Shape({static_cast<int64_t>(v.size())}), v);
  }
  if (a.Has("value_int")) {
    QS_ASSIGN_OR_RETURN(int64_t v, a.GetInt("value_int", w));
    return engine::Tensor::FromVector<int64_t>(engine::Shape(), {v});
  }
  if (a.Has("value_ints")) {
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> v, a.GetInts("value_ints", w));
    return engine::Tensor::FromVector<int64_t>(
        engine::Shape({static_cast<int64_t>(v.size())}), v);
  }
  return absl::InvalidArgumentError(w + ": unsupported constant attribute '" +
                                    a.values().begin()->first + "'");
}

class ConstantKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ConstantKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ConstantKernel>();
    QS_ASSIGN_OR_RETURN(k->value_, ConstantValue(node));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    ctx.SetOutput(0, value_);
    return absl::OkStatus();
  }

 private:
  engine::Tensor value_;
};

absl::Status InferConstant(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(engine::Tensor t, ConstantValue(c.node()));
  c.set_output(0, TypeWithDims(t.dtype(), t.shape().dims()));
  return absl::OkStatus();
}

// The fill value of ConstantOfShape: a one-element tensor.
absl::StatusOr<engine::Tensor> FillValue(const graph::Node& node) {
  if (!node.attrs.Has("value"))
    return engine::Tensor::Zeros({}, engine::DType::kF32);
  QS_ASSIGN_OR_RETURN(engine::Tensor v,
                      node.attrs.GetTensor("value", node.Describe()));
  if (v.numel() != 1) {
    return absl::InvalidArgumentError(node.Describe() +
                                      ": value must have one element");
  }
  return v.Contiguous();
}

class ConstantOfShapeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ConstantOfShapeKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ConstantOfShapeKernel>();
    QS_ASSIGN_OR_RETURN(k->value_, FillValue(node));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    absl::StatusOr<std::vector<int64_t>> dims = TensorToInts(ctx.input(0));
    if (!dims.ok()) return ctx.Error(std::string(dims.status().message()));
    absl::StatusOr<engine::Shape> shape = engine::Shape::Create(*dims);
    if (!shape.ok()) return ctx.Error(std::string(shape.status().message()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, *shape, value_.dtype()));
    const size_t es = engine::DTypeSize(value_.dtype());
    char* out = static_cast<char*>(y.raw_data());
    for (int64_t i = 0; i < y.numel(); ++i) {
      std::memcpy(out + i * es, value_.raw_data(), es);
    }
    return absl::OkStatus();
  }

 private:
  engine::Tensor value_;
};

absl::Status InferConstantOfShape(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(engine::Tensor v, FillValue(c.node()));
  QS_ASSIGN_OR_RETURN(IntsArg shape, InferIntsArg(c, 0, ""));
  graph::ValueType out{v.dtype(), {}, false};
  if (shape.values) {
    for (int64_t d : *shape.values) {
      if (d < 0) return c.Error("negative dim in shape");
    }
    out = TypeWithDims(v.dtype(), *shape.values);
  } else if (c.input(0).has_rank && c.input(0).dims.size() == 1 &&
             c.input(0).dims[0] >= 0) {
    out = TypeWithDims(v.dtype(), std::vector<int64_t>(c.input(0).dims[0], -1));
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeConstantOp() {
  graph::OpDef d;
  d.type = "Constant";
  d.attrs = {{"value", graph::AttrType::kTensor},
             {"value_float", graph::AttrType::kFloat},
             {"value_floats", graph::AttrType::kFloats},
             {"value_int", graph::AttrType::kInt},
             {"value_ints", graph::AttrType::kInts}};
  d.infer = InferConstant;
  d.make_cpu_kernel = MakeKernel<ConstantKernel>;
  d.differentiable = false;
  d.onnx = {"Constant", "", 1};
  return d;
}

graph::OpDef MakeConstantOfShapeOp() {
  graph::OpDef d;
  d.type = "ConstantOfShape";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"value", graph::AttrType::kTensor}};
  d.infer = InferConstantOfShape;
  d.make_cpu_kernel = MakeKernel<ConstantOfShapeKernel>;
  d.differentiable = false;
  d.onnx = {"ConstantOfShape", "", 9};
  return d;
}

}  // namespace quantsim::ops
