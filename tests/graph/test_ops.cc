#include "tests/graph/test_ops.h"

#include <functional>

#include "engine/status.h"

namespace quantsim::graph::testing {
namespace {

using engine::Tensor;

absl::Status SameAsInput0(InferContext& c) {
  for (int i = 1; i < c.num_inputs(); ++i) {
    if (c.input(i).dims != c.input(0).dims) return c.Error("shape mismatch");
  }
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

// Elementwise kernel over inputs of one shape.
class MapKernel : public OpKernel {
 public:
  explicit MapKernel(std::function<float(const float*)> f) : f_(std::move(f)) {}
  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, a.shape()));
    float args[4];
    for (int64_t i = 0; i < a.numel(); ++i) {
      for (int k = 0; k < ctx.num_inputs(); ++k) {
        args[k] = ctx.input(k).data<float>()[i];
      }
      y.data<float>()[i] = f_(args);
    }
    return absl::OkStatus();
  }

 private:
  std::function<float(const float*)> f_;
};

OpDef Elementwise(
    const std::string& type, int arity,
    absl::StatusOr<std::unique_ptr<OpKernel>> (*make)(const Node&),
    absl::Status (*backward)(GradBuilder&)) {
  OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = arity;
  d.infer = SameAsInput0;
  d.make_cpu_kernel = make;
  d.backward = backward;
  return d;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeAdd(const Node&) {
  return std::make_unique<MapKernel>(
      [](const float* a) { return a[0] + a[1]; });
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeMul(const Node&) {
  return std::make_unique<MapKernel>(
      [](const float* a) { return a[0] * a[1]; });
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeRelu(const Node&) {
  return std::make_unique<MapKernel>(
      [](const float* a) { return a[0] > 0 ? a[0] : 0.0f; });
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReluGrad(const Node&) {
  // inputs: x, dy
  return std::make_unique<MapKernel>(
      [](const float* a) { return a[0] > 0 ? a[1] : 0.0f; });
}

absl::Status AddBackward(GradBuilder& b) {
  for (int i = 0; i < 2; ++i) {
    if (b.needs_input_grad(i)) b.SetInputGrad(i, b.output_grad(0));
  }
  return absl::OkStatus();
}
absl::Status MulBackward(GradBuilder& b) {
  for (int i = 0; i < 2; ++i) {
    if (!b.needs_input_grad(i)) continue;
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("Mul", {b.output_grad(0), b.input(1 - i)}));
    b.SetInputGrad(i, g);
  }
  return absl::OkStatus();
}
absl::Status ReluBackward(GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(ValueId g,
                      b.Emit1("ReluGrad", {b.input(0), b.output_grad(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

// SumAll: x -> scalar.
class SumAllKernel : public OpKernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, engine::Shape()));
    double s = 0;
    for (int64_t i = 0; i < a.numel(); ++i) s += a.data<float>()[i];
    y.data<float>()[0] = static_cast<float>(s);
    return absl::OkStatus();
  }
};
// Broadcast: (scalar s, like x) -> s everywhere in x's shape.
class BroadcastKernel : public OpKernel {
 public:
  absl::Status Compute(KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, ctx.input(1).shape()));
    for (int64_t i = 0; i < y.numel(); ++i) {
      y.data<float>()[i] = ctx.input(0).data<float>()[0];
    }
    return absl::OkStatus();
  }
};
absl::Status SumAllBackward(GradBuilder& b) {
  QS_ASSIGN_OR_RETURN(ValueId g,
                      b.Emit1("Broadcast", {b.output_grad(0), b.input(0)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

// MatMul [m,k] x [k,n].
class MatMulKernel : public OpKernel {
 public:
  explicit MatMulKernel(bool ta, bool tb) : ta_(ta), tb_(tb) {}
  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const int64_t m = ta_ ? a.dim(1) : a.dim(0), k = ta_ ? a.dim(0) : a.dim(1);
    const int64_t n = tb_ ? b.dim(0) : b.dim(1);
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, engine::Shape({m, n})));
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) {
          const float av =
              ta_ ? a.data<float>()[p * m + i] : a.data<float>()[i * k + p];
          const float bv =
              tb_ ? b.data<float>()[j * k + p] : b.data<float>()[p * n + j];
          s += static_cast<double>(av) * bv;
        }
        y.data<float>()[i * n + j] = static_cast<float>(s);
      }
    }
    return absl::OkStatus();
  }

 private:
  bool ta_, tb_;
};
absl::Status MatMulInfer(InferContext& c) {
  const bool ta = c.attrs().GetIntOr("ta", 0, "").value();
  const bool tb = c.attrs().GetIntOr("tb", 0, "").value();
  const auto& a = c.input(0).dims;
  const auto& b = c.input(1).dims;
  if (a.size() != 2 || b.size() != 2) return c.Error("needs 2-D inputs");
  const int64_t k1 = ta ? a[0] : a[1], k2 = tb ? b[1] : b[0];
  if (k1 >= 0 && k2 >= 0 && k1 != k2) return c.Error("inner dims differ");
  c.set_output(
      0, ValueType{
             engine::DType::kF32, {ta ? a[1] : a[0], tb ? b[0] : b[1]}, true});
  return absl::OkStatus();
}
absl::Status MatMulBackward(GradBuilder& b) {
  // y = a b: da = dy b^T, db = a^T dy.
  if (b.needs_input_grad(0)) {
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("MatMul", {b.output_grad(0), b.input(1)},
                                {{"tb", int64_t{1}}}));
    b.SetInputGrad(0, g);
  }
  if (b.needs_input_grad(1)) {
    QS_ASSIGN_OR_RETURN(ValueId g,
                        b.Emit1("MatMul", {b.input(0), b.output_grad(0)},
                                {{"ta", int64_t{1}}}));
    b.SetInputGrad(1, g);
  }
  return absl::OkStatus();
}

OpRegistry* Build() {
  auto* r = new OpRegistry();
  (void)r->Register(Elementwise("Add", 2, MakeAdd, AddBackward));
  (void)r->Register(Elementwise("Mul", 2, MakeMul, MulBackward));
  (void)r->Register(Elementwise("Relu", 1, MakeRelu, ReluBackward));
  OpDef rg = Elementwise("ReluGrad", 2, MakeReluGrad, nullptr);
  rg.differentiable = false;
  (void)r->Register(rg);
  OpDef sum;
  sum.type = "SumAll";
  sum.min_inputs = sum.max_inputs = 1;
  sum.infer = [](InferContext& c) {
    c.set_output(0, ValueType{engine::DType::kF32, {}, true});
    return absl::OkStatus();
  };
  sum.make_cpu_kernel =
      [](const Node&) -> absl::StatusOr<std::unique_ptr<OpKernel>> {
    return std::make_unique<SumAllKernel>();
  };
  sum.backward = SumAllBackward;
  (void)r->Register(sum);
  OpDef bc;
  bc.type = "Broadcast";
  bc.min_inputs = bc.max_inputs = 2;
  bc.infer = [](InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  bc.make_cpu_kernel =
      [](const Node&) -> absl::StatusOr<std::unique_ptr<OpKernel>> {
    return std::make_unique<BroadcastKernel>();
  };
  bc.differentiable = false;
  (void)r->Register(bc);
  OpDef mm;
  mm.type = "MatMul";
  mm.min_inputs = mm.max_inputs = 2;
  mm.attrs = {{"ta", AttrType::kInt}, {"tb", AttrType::kInt}};
  mm.infer = MatMulInfer;
  mm.make_cpu_kernel =
      [](const Node& n) -> absl::StatusOr<std::unique_ptr<OpKernel>> {
    return std::make_unique<MatMulKernel>(
        n.attrs.GetIntOr("ta", 0, "").value(),
        n.attrs.GetIntOr("tb", 0, "").value());
  };
  mm.backward = MatMulBackward;
  (void)r->Register(mm);
  return r;
}

}  // namespace

const OpRegistry& TestRegistry() {
  static const OpRegistry* registry = Build();
  return *registry;
}

}  // namespace quantsim::graph::testing
