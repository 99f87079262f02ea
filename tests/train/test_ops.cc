#include "tests/train/test_ops.h"

#include <functional>
#include <memory>
#include <string>

#include "engine/status.h"
#include "ops/registry.h"

namespace quantsim::train::testing {
namespace {

using engine::Shape;
using engine::Tensor;
using graph::GradBuilder;
using graph::InferContext;
using graph::KernelContext;
using graph::Node;
using graph::OpDef;
using graph::OpKernel;
using graph::ValueId;
using graph::ValueType;
using KernelOr = absl::StatusOr<std::unique_ptr<OpKernel>>;

absl::Status SameAsInput0(InferContext& c) {
  for (int i = 1; i < c.num_inputs(); ++i) {
    if (c.input(i).dims != c.input(0).dims) return c.Error("shape mismatch");
  }
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

// Element-wise kernel over inputs of one shape; f(args, training).
class MapKernel : public OpKernel {
 public:
  using Fn = float (*)(const float*, bool);
  explicit MapKernel(Fn f) : f_(f) {}
  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, a.shape()));
    float args[4];
    for (int64_t i = 0; i < a.numel(); ++i) {
      for (int k = 0; k < ctx.num_inputs(); ++k) {
        args[k] = ctx.input(k).data<float>()[i];
      }
      y.data<float>()[i] = f_(args, ctx.training());
    }
    return absl::OkStatus();
  }

 private:
  Fn f_;
};

template <MapKernel::Fn F>
KernelOr MakeMap(const Node&) {
  return std::make_unique<MapKernel>(F);
}

float AddF(const float* a, bool) { return a[0] + a[1]; }
float SubF(const float* a, bool) { return a[0] - a[1]; }
float MulF(const float* a, bool) { return a[0] * a[1]; }
float NegF(const float* a, bool) { return -a[0]; }
float TrainScaleF(const float* a, bool training) {
  return training ? 2 * a[0] : a[0];
}

OpDef Elementwise(const std::string& type, int arity,
                  KernelOr (*make)(const Node&),
                  absl::Status (*backward)(GradBuilder&)) {
  OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = arity;
  d.infer = SameAsInput0;
  d.make_cpu_kernel = make;
  d.backward = backward;
  d.differentiable = backward != nullptr;
  return d;
}

absl::Status AddBackward(GradBuilder& b) {
  for (int i = 0; i < 2; ++i) {
    if (b.needs_input_grad(i)) b.SetInputGrad(i, b.output_grad(0));
  }
  return absl::OkStatus();
}
absl::Status SubBackward(GradBuilder& b) {
  if (b.needs_input_grad(0)) b.SetInputGrad(0, b.output_grad(0));
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(ValueId g, b.Emit1("TNeg", {b.output_grad(0)}));
    b.SetInputGrad(1, g);
  }
  return absl::OkStatus();
}
absl::Status NegBackward(GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(ValueId g, b.Emit1("TNeg", {b.output_grad(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}
absl::Status MulBackward(GradBuilder& b) {
  for (int i = 0; i < 2; ++i) {
    if (!b.needs_input_grad(i)) continue;
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("TMul", {b.output_grad(0), b.input(1 - i)}));
    b.SetInputGrad(i, g);
  }
  return absl::OkStatus();
}
absl::Status TrainScaleBackward(GradBuilder& b) {
  // Gradient of the training-mode function (backward runs in training).
  QS_ASSIGN_OR_RETURN(ValueId g, b.Emit1("TrainScale", {b.output_grad(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

// Kernels with a hand-written loop over [n, k] tensors.
class FnKernel : public OpKernel {
 public:
  using Fn = absl::Status (*)(KernelContext&, const Node&);
  FnKernel(Fn f, const Node& node) : f_(f), node_(node) {}
  absl::Status Compute(KernelContext& ctx) const override {
    return f_(ctx, node_);
  }

 private:
  Fn f_;
  Node node_;
};

template <FnKernel::Fn F>
KernelOr MakeFn(const Node& n) {
  return std::make_unique<FnKernel>(F, n);
}

absl::Status MatMulCompute(KernelContext& ctx, const Node& node) {
  const bool ta = node.attrs.GetIntOr("ta", 0, "").value();
  const bool tb = node.attrs.GetIntOr("tb", 0, "").value();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, Shape({m, n})));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av =
            ta ? a.data<float>()[p * m + i] : a.data<float>()[i * k + p];
        const float bv =
            tb ? b.data<float>()[j * k + p] : b.data<float>()[p * n + j];
        s += static_cast<double>(av) * bv;
      }
      y.data<float>()[i * n + j] = static_cast<float>(s);
    }
  }
  return absl::OkStatus();
}
absl::Status MatMulInfer(InferContext& c) {
  const bool ta = c.attrs().GetIntOr("ta", 0, "").value();
  const bool tb = c.attrs().GetIntOr("tb", 0, "").value();
  const auto& a = c.input(0).dims;
  const auto& b = c.input(1).dims;
  if (a.size() != 2 || b.size() != 2) return c.Error("needs 2-D inputs");
  c.set_output(
      0, ValueType{
             engine::DType::kF32, {ta ? a[1] : a[0], tb ? b[0] : b[1]}, true});
  return absl::OkStatus();
}
absl::Status MatMulBackward(GradBuilder& b) {
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("TMatMul", {b.output_grad(0), b.input(1)},
                                {{"tb", int64_t{1}}}));
    b.SetInputGrad(0, g);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("TMatMul", {b.input(0), b.output_grad(0)},
                                {{"ta", int64_t{1}}}));
    b.SetInputGrad(1, g);
  }
  return absl::OkStatus();
}

absl::Status AddBiasCompute(KernelContext& ctx, const Node&) {
  const Tensor& x = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, x.shape()));
  const int64_t k = x.dim(1);
  for (int64_t i = 0; i < x.numel(); ++i) {
    y.data<float>()[i] = x.data<float>()[i] + bias.data<float>()[i % k];
  }
  return absl::OkStatus();
}
absl::Status AddBiasBackward(GradBuilder& b) {
  if (b.needs_input_grad(0)) b.SetInputGrad(0, b.output_grad(0));
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(ValueId g, b.Emit1("TColSum", {b.output_grad(0)}));
    b.SetInputGrad(1, g);
  }
  return absl::OkStatus();
}

absl::Status ColSumCompute(KernelContext& ctx, const Node&) {
  const Tensor& x = ctx.input(0);
  const int64_t n = x.dim(0), k = x.dim(1);
  QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, Shape({k})));
  for (int64_t j = 0; j < k; ++j) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += x.data<float>()[i * k + j];
    y.data<float>()[j] = static_cast<float>(s);
  }
  return absl::OkStatus();
}

absl::Status SumAllCompute(KernelContext& ctx, const Node&) {
  const Tensor& a = ctx.input(0);
  QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, Shape()));
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i) s += a.data<float>()[i];
  y.data<float>()[0] = static_cast<float>(s);
  return absl::OkStatus();
}
absl::Status SumAllBackward(GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(ValueId g,
                      b.Emit1("TBroadcast", {b.output_grad(0), b.input(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}
absl::Status BroadcastCompute(KernelContext& ctx, const Node&) {
  QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, ctx.input(1).shape()));
  for (int64_t i = 0; i < y.numel(); ++i) {
    y.data<float>()[i] = ctx.input(0).data<float>()[0];
  }
  return absl::OkStatus();
}

OpDef Custom(const std::string& type, int arity,
             absl::Status (*infer)(InferContext&),
             KernelOr (*make)(const Node&),
             absl::Status (*backward)(GradBuilder&)) {
  OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = arity;
  d.infer = infer;
  d.make_cpu_kernel = make;
  d.backward = backward;
  d.differentiable = backward != nullptr;
  return d;
}

graph::OpRegistry* Build() {
  auto* r = new graph::OpRegistry(ops::BuiltinOps());
  auto add = [&](OpDef d) {
    if (!r->Find(d.type).ok()) (void)r->Register(std::move(d));
  };
  add(Elementwise("Add", 2, MakeMap<AddF>, AddBackward));
  add(Elementwise("TSub", 2, MakeMap<SubF>, SubBackward));
  add(Elementwise("TMul", 2, MakeMap<MulF>, MulBackward));
  add(Elementwise("TNeg", 1, MakeMap<NegF>, NegBackward));
  add(Elementwise("TrainScale", 1, MakeMap<TrainScaleF>, TrainScaleBackward));
  OpDef mm =
      Custom("TMatMul", 2, MatMulInfer, MakeFn<MatMulCompute>, MatMulBackward);
  mm.attrs = {{"ta", graph::AttrType::kInt}, {"tb", graph::AttrType::kInt}};
  add(mm);
  add(Custom(
      "TAddBias", 2,
      [](InferContext& c) {
        c.set_output(0, c.input(0));
        return absl::OkStatus();
      },
      MakeFn<AddBiasCompute>, AddBiasBackward));
  add(Custom(
      "TColSum", 1,
      [](InferContext& c) {
        c.set_output(
            0, ValueType{engine::DType::kF32, {c.input(0).dims[1]}, true});
        return absl::OkStatus();
      },
      MakeFn<ColSumCompute>, nullptr));
  add(Custom(
      "TSumAll", 1,
      [](InferContext& c) {
        c.set_output(0, ValueType{engine::DType::kF32, {}, true});
        return absl::OkStatus();
      },
      MakeFn<SumAllCompute>, SumAllBackward));
  add(Custom(
      "TBroadcast", 2,
      [](InferContext& c) {
        c.set_output(0, c.input(1));
        return absl::OkStatus();
      },
      MakeFn<BroadcastCompute>, nullptr));
  return r;
}

}  // namespace

const graph::OpRegistry& TrainTestRegistry() {
  static const graph::OpRegistry* registry = Build();
  return *registry;
}

}  // namespace quantsim::train::testing
