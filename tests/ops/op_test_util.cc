#include "tests/ops/op_test_util.h"

#include <cmath>
#include <random>

#include "engine/status.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

// L = sum(y * r), test-only, with its gradient dy = g * r.
class WeightedSumKernel final : public graph::OpKernel {
 public:
  explicit WeightedSumKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.input(0).Contiguous());
    const Tensor& r = ctx.input(1);
    QS_ASSIGN_OR_RETURN(Tensor out, ctx.AllocateOutput(0, Shape()));
    double s = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      s += static_cast<double>(y.data<float>()[i]) * r.data<float>()[i];
    }
    out.data<float>()[0] = static_cast<float>(s);
    return absl::OkStatus();
  }
};
class ScaleKernel final : public graph::OpKernel {  // (g scalar, r) -> g * r
 public:
  explicit ScaleKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const Tensor& r = ctx.input(1);
    QS_ASSIGN_OR_RETURN(Tensor out, ctx.AllocateOutput(0, r.shape()));
    const float g = ctx.input(0).data<float>()[0];
    for (int64_t i = 0; i < r.numel(); ++i) {
      out.data<float>()[i] = g * r.data<float>()[i];
    }
    return absl::OkStatus();
  }
};

const graph::OpRegistry& Registry() {
  static const graph::OpRegistry* reg = [] {
    auto* r = new graph::OpRegistry(BuiltinOps());
    graph::OpDef ws;
    ws.type = "TestWeightedSum";
    ws.min_inputs = ws.max_inputs = 2;
    ws.infer = [](graph::InferContext& c) {
      c.set_output(0, TypeWithDims(DType::kF32, {}));
      return absl::OkStatus();
    };
    ws.make_cpu_kernel = MakeKernel<WeightedSumKernel>;
    ws.backward = [](graph::GradBuilder& b) -> absl::Status {
      QS_ASSIGN_OR_RETURN(graph::ValueId g,
                          b.Emit1("TestScale", {b.output_grad(0), b.input(1)}));
      b.SetInputGrad(0, g);
      return absl::OkStatus();
    };
    EXPECT_TRUE(r->Register(ws).ok());
    graph::OpDef sc;
    sc.type = "TestScale";
    sc.min_inputs = sc.max_inputs = 2;
    sc.infer = [](graph::InferContext& c) {
      c.set_output(0, c.input(1));
      return absl::OkStatus();
    };
    sc.make_cpu_kernel = MakeKernel<ScaleKernel>;
    sc.differentiable = false;
    EXPECT_TRUE(r->Register(sc).ok());
    return r;
  }();
  return *reg;
}

DArray ToD(const Tensor& t) {
  Tensor c = t.Contiguous().value();
  DArray d{c.shape().dims(), std::vector<double>(c.numel())};
  for (int64_t i = 0; i < c.numel(); ++i) d.v[i] = c.data<float>()[i];
  return d;
}

double Weighted(const std::vector<DArray>& ys, const std::vector<Tensor>& rs) {
  double s = 0;
  for (size_t k = 0; k < ys.size(); ++k) {
    for (int64_t i = 0; i < ys[k].numel(); ++i) {
      s += ys[k].v[i] * static_cast<double>(rs[k].data<float>()[i]);
    }
  }
  return s;
}

}  // namespace

int64_t NumElements(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * dims[i + 1];
  }
  return s;
}

void CheckOp(const OpCase& c, const std::string& label) {
  SCOPED_TRACE(label);
  std::mt19937 rng(c.seed);
  std::uniform_real_distribution<float> dist(c.lo, c.hi);
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    Tensor t = Tensor::Empty(Shape(c.shapes[i]), DType::kF32).value();
    for (int64_t j = 0; j < t.numel(); ++j) {
      float v;
      do {
        v = dist(rng);
      } while (c.near_kink && c.near_kink(static_cast<int>(i), v));
      t.data<float>()[j] = v;
    }
    inputs.push_back(t);
  }

  graph::Graph g;
  std::vector<graph::ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids.push_back(
        g.AddInput("x" + std::to_string(i), DType::kF32, c.shapes[i]).value());
  }
  for (size_t i = 0; i < c.constants.size(); ++i) {
    ids.push_back(
        c.constants[i]
            ? g.AddConstant("c" + std::to_string(i), *c.constants[i]).value()
            : graph::kNoValue);
  }
  absl::StatusOr<std::vector<graph::ValueId>> outs =
      g.AddNode(c.op, ids, c.attrs, c.num_outputs, "node");
  ASSERT_TRUE(outs.ok()) << outs.status();
  for (graph::ValueId o : *outs) ASSERT_TRUE(g.AddOutput(o).ok());
  auto cg = graph::CompiledGraph::Compile(g, Registry());
  ASSERT_TRUE(cg.ok()) << cg.status();
  engine::Context ctx({2});
  absl::StatusOr<graph::RunResult> run = (*cg)->Run(ctx, inputs);
  ASSERT_TRUE(run.ok()) << run.status();

  std::vector<DArray> din;
  for (const Tensor& t : inputs) din.push_back(ToD(t));
  const std::vector<DArray> want = c.reference(din);
  ASSERT_EQ(want.size(), run->outputs.size());
  for (size_t k = 0; k < want.size(); ++k) {
    const DArray got = ToD(run->outputs[k]);
    ASSERT_EQ(got.dims, want[k].dims) << "output " << k;
    for (int64_t i = 0; i < got.numel(); ++i) {
      ASSERT_NEAR(got.v[i], want[k].v[i],
                  c.fwd_atol + c.fwd_rtol * std::fabs(want[k].v[i]))
          << "output " << k << " element " << i;
    }
  }
  if (c.grad_inputs.empty()) return;

  // Backward of L = sum_k <y_k, r_k>.
  std::vector<Tensor> rs;
  graph::ValueId loss = graph::kNoValue;
  for (size_t k = 0; k < outs->size(); ++k) {
    Tensor r = Tensor::Empty(Shape(want[k].dims), DType::kF32).value();
    for (int64_t i = 0; i < r.numel(); ++i) r.data<float>()[i] = dist(rng);
    rs.push_back(r);
    graph::ValueId rid = g.AddConstant("r" + std::to_string(k), r).value();
    graph::ValueId l =
        g.AddNode("TestWeightedSum", {(*outs)[k], rid}).value()[0];
    loss = k == 0 ? l : g.AddNode("Add", {loss, l}).value()[0];
  }
  std::vector<graph::ValueId> wrt;
  for (int i : c.grad_inputs) wrt.push_back(ids[i]);
  absl::StatusOr<graph::BackwardGraph> bg =
      graph::BuildBackward(g, loss, wrt, Registry());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto bcg = graph::CompiledGraph::Compile(bg->graph, Registry());
  ASSERT_TRUE(bcg.ok()) << bcg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  for (graph::ValueId gid : bg->grads) ASSERT_NE(gid, graph::kNoValue);
  absl::StatusOr<graph::RunResult> grun = (*bcg)->Run(ctx, inputs, opts);
  ASSERT_TRUE(grun.ok()) << grun.status();
  for (size_t gi = 0; gi < c.grad_inputs.size(); ++gi) {
    const int in = c.grad_inputs[gi];
    const DArray analytic = ToD(grun->fetched[gi]);
    ASSERT_EQ(analytic.dims, din[in].dims) << "grad of input " << in;
    for (int64_t j = 0; j < din[in].numel(); ++j) {
      std::vector<DArray> p = din, m = din;
      p[in].v[j] += c.fd_eps;
      m[in].v[j] -= c.fd_eps;
      const double fd =
          (Weighted(c.reference(p), rs) - Weighted(c.reference(m), rs)) /
          (2 * c.fd_eps);
      ASSERT_NEAR(analytic.v[j], fd, c.grad_atol + c.grad_rtol * std::fabs(fd))
          << "d/d input " << in << " element " << j;
    }
  }
}

}  // namespace quantsim::ops::testing
