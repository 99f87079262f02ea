// FakeQuantizeLearned / FakeQuantizeLearnedGrad: the forward equals the
// kernels' x_hat bit for bit, the gradients through graph::BuildBackward
// equal kernels::RangeLearnBackward bit for bit (per tensor, per channel on
// axes 0 and 1, both formulas, symmetric and not), SGD on the encodings
// shrinks the range toward a narrower target, and bad inputs are
// InvalidArgument naming the node.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/tensor.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "ops/registry.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

Tensor Make(std::vector<int64_t> dims, std::vector<float> v) {
  return Tensor::FromVector(Shape(dims), v).value();
}

std::vector<float> Uniform(int64_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

std::vector<float> ToVec(const Tensor& t) {
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

// Bitwise equality (NaN-safe, distinguishes -0).
void ExpectBitEq(const std::vector<float>& got, const std::vector<float>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &got[i], 4);
    std::memcpy(&b, &want[i], 4);
    EXPECT_EQ(a, b) << what << "[" << i << "]: " << got[i] << " vs " << want[i];
  }
}

struct Cfg {
  std::string formula;  // "aimet_v1" | "v2"
  bool symmetric;
  int bitwidth;
  std::vector<int64_t> dims;
  int axis;  // -100 = per tensor
};

std::string Name(const Cfg& c) {
  return c.formula + (c.symmetric ? " sym" : " asym") + " b" +
         std::to_string(c.bitwidth) + " axis " + std::to_string(c.axis);
}

graph::Attributes Attrs(const Cfg& c) {
  graph::Attributes a = {{"bitwidth", int64_t{c.bitwidth}},
                         {"symmetric", int64_t{c.symmetric ? 1 : 0}},
                         {"formula", c.formula}};
  if (c.axis != -100) a.Set("axis", int64_t{c.axis});
  return a;
}

kernels::RangeGradConfig KernelConfig(const Cfg& c) {
  return c.formula == "aimet_v1"
             ? kernels::AimetV1RangeGradConfig(c.bitwidth, c.symmetric)
             : kernels::V2RangeGradConfig(c.bitwidth, c.symmetric);
}

kernels::QdqLayout Layout(const Cfg& c) {
  int64_t n = 1;
  for (int64_t d : c.dims) n *= d;
  if (c.axis == -100) return kernels::PerTensorLayout(n);
  kernels::QdqLayout l;
  for (int d = 0; d < c.axis; ++d) l.outer *= c.dims[d];
  l.axis = c.dims[c.axis];
  for (size_t d = c.axis + 1; d < c.dims.size(); ++d) l.inner *= c.dims[d];
  return l;
}

// Encodings per channel: asymmetric, straddling 0, ranges that clip some x.
void Encodings(int64_t channels, std::vector<float>* mn,
               std::vector<float>* mx) {
  mn->resize(channels);
  mx->resize(channels);
  for (int64_t c = 0; c < channels; ++c) {
    (*mn)[c] = -0.6f - 0.13f * static_cast<float>(c);
    (*mx)[c] = 0.9f + 0.07f * static_cast<float>(c);
  }
}

std::vector<Cfg> AllCfgs() {
  std::vector<Cfg> out;
  for (const char* f : {"aimet_v1", "v2"}) {
    for (bool sym : {false, true}) {
      for (int axis : {-100, 0, 1}) {
        out.push_back({f, sym, axis == 0 ? 4 : 8, {3, 5, 7}, axis});
      }
    }
  }
  return out;
}

TEST(FakeQuantizeLearnedOp, ForwardEqualsKernelXHat) {
  engine::Context ctx(engine::ContextOptions{2});
  for (const Cfg& c : AllCfgs()) {
    SCOPED_TRACE(Name(c));
    const kernels::QdqLayout layout = Layout(c);
    std::vector<float> mn, mx;
    Encodings(layout.axis, &mn, &mx);
    const std::vector<float> x = Uniform(layout.NumElements(), -2, 2, 3);
    graph::Graph g;
    auto xin = g.AddInput("x", DType::kF32, c.dims).value();
    auto pmin = g.AddParameter("min", Make({layout.axis}, mn)).value();
    auto pmax = g.AddParameter("max", Make({layout.axis}, mx)).value();
    auto y =
        g.AddNode("FakeQuantizeLearned", {xin, pmin, pmax}, Attrs(c), 1, "fql")
            .value()[0];
    ASSERT_TRUE(g.AddOutput(y).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps());
    ASSERT_TRUE(cg.ok()) << cg.status();
    auto r = (*cg)->Run(ctx, {Make(c.dims, x)});
    ASSERT_TRUE(r.ok()) << r.status();

    std::vector<float> dy(x.size(), 0.0f), x_hat(x.size()), dmin(layout.axis),
        dmax(layout.axis);
    kernels::RangeLearnBackward(x.data(), dy.data(), layout, mn.data(),
                                mx.data(), KernelConfig(c), nullptr,
                                dmin.data(), dmax.data(), x_hat.data());
    ExpectBitEq(ToVec(r->outputs[0]), x_hat, "y");
    // Not a trivial pass: the grid changes values and clips some.
    int changed = 0;
    for (size_t i = 0; i < x.size(); ++i) changed += x_hat[i] != x[i];
    EXPECT_GT(changed, static_cast<int>(x.size()) / 2);
  }
}

// 2-bit grid [0, 3] with step 1: the rounding attribute decides the ties.
TEST(FakeQuantizeLearnedOp, HandCheckedGridAndRounding) {
  engine::Context ctx(engine::ContextOptions{1});
  const std::vector<float> x = {-1.0f, 0.5f, 1.5f, 2.4f, 7.0f};
  struct Want {
    const char* formula;
    const char* rounding;  // nullptr = the formula's default
    std::vector<float> y;
  };
  const Want wants[] = {
      {"v2", nullptr, {0, 0, 2, 2, 3}},
      {"aimet_v1", nullptr, {0, 1, 2, 2, 3}},
      {"v2", "half_away_from_zero", {0, 1, 2, 2, 3}},
      {"aimet_v1", "half_to_even", {0, 0, 2, 2, 3}},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(std::string(w.formula) + " " +
                 (w.rounding ? w.rounding : "default"));
    graph::Graph g;
    auto xin = g.AddInput("x", DType::kF32, {5}).value();
    auto pmin = g.AddConstant("min", Make({1}, {0.0f})).value();
    auto pmax = g.AddConstant("max", Make({1}, {3.0f})).value();
    graph::Attributes a = {{"bitwidth", int64_t{2}}, {"formula", w.formula}};
    if (w.rounding) a.Set("rounding", std::string(w.rounding));
    auto y = g.AddNode("FakeQuantizeLearned", {xin, pmin, pmax}, a).value()[0];
    ASSERT_TRUE(g.AddOutput(y).ok());
    auto cg = graph::CompiledGraph::Compile(g, BuiltinOps()).value();
    auto r = cg->Run(ctx, {Make({5}, x)}).value();
    ExpectBitEq(ToVec(r.outputs[0]), w.y, "y");
  }
}

TEST(FakeQuantizeLearnedOp, BackwardEqualsRangeLearnBackward) {
  engine::Context ctx(engine::ContextOptions{2});
  for (const Cfg& c : AllCfgs()) {
    SCOPED_TRACE(Name(c));
    const kernels::QdqLayout layout = Layout(c);
    std::vector<float> mn, mx;
    Encodings(layout.axis, &mn, &mx);
    const std::vector<float> x = Uniform(layout.NumElements(), -2, 2, 5);
    const std::vector<float> t = Uniform(layout.NumElements(), -1, 1, 6);
    graph::Graph g;
    auto xin = g.AddParameter("x", Make(c.dims, x)).value();
    auto tin = g.AddInput("t", DType::kF32, c.dims).value();
    auto pmin = g.AddParameter("min", Make({layout.axis}, mn)).value();
    auto pmax = g.AddParameter("max", Make({layout.axis}, mx)).value();
    auto y =
        g.AddNode("FakeQuantizeLearned", {xin, pmin, pmax}, Attrs(c), 1, "fql")
            .value()[0];
    auto loss = g.AddNode("MeanSquaredError", {y, tin}).value()[0];
    ASSERT_TRUE(g.AddOutput(loss).ok());
    auto bg = graph::BuildBackward(g, loss, {xin, pmin, pmax}, BuiltinOps());
    ASSERT_TRUE(bg.ok()) << bg.status();
    // The fused grad node and the dy it received.
    graph::ValueId dy_id = graph::kNoValue;
    int grad_nodes = 0;
    for (int n = 0; n < bg->graph.num_nodes(); ++n) {
      if (bg->graph.node(n).op_type == "FakeQuantizeLearnedGrad") {
        dy_id = bg->graph.node(n).inputs[1];
        ++grad_nodes;
      }
    }
    ASSERT_EQ(grad_nodes, 1);
    auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
    ASSERT_TRUE(cg.ok()) << cg.status();
    graph::RunOptions opts;
    opts.training = true;
    opts.fetch = bg->grads;
    opts.fetch.push_back(dy_id);
    auto r = (*cg)->Run(ctx, {Make(c.dims, t)}, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    const std::vector<float> dy = ToVec(r->fetched[3]);

    std::vector<float> dx(x.size()), dmin(layout.axis), dmax(layout.axis);
    kernels::RangeLearnBackward(x.data(), dy.data(), layout, mn.data(),
                                mx.data(), KernelConfig(c), dx.data(),
                                dmin.data(), dmax.data(), nullptr);
    ExpectBitEq(ToVec(r->fetched[0]), dx, "dx");
    ExpectBitEq(ToVec(r->fetched[1]), dmin, "dmin");
    ExpectBitEq(ToVec(r->fetched[2]), dmax, "dmax");
    EXPECT_EQ(r->fetched[1].shape(), Shape({layout.axis}));
    // The gradients are not all zero (they could fail to flow).
    double sum_abs = 0;
    for (float v : dmax) sum_abs += std::fabs(v);
    EXPECT_GT(sum_abs, 0.0);
    // dy is MSE's 2 (y - target) / n.
    const std::vector<float> y_fwd = [&] {
      std::vector<float> z(x.size(), 0.0f), xh(x.size()), a(layout.axis),
          b(layout.axis);
      kernels::RangeLearnBackward(x.data(), z.data(), layout, mn.data(),
                                  mx.data(), KernelConfig(c), nullptr, a.data(),
                                  b.data(), xh.data());
      return xh;
    }();
    for (size_t i = 0; i < x.size(); i += 17) {
      EXPECT_NEAR(dy[i], 2.0 * (y_fwd[i] - t[i]) / x.size(), 1e-6);
    }
  }
}

}  // namespace
}  // namespace quantsim::ops
