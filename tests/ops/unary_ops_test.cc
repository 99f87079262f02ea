// Unary ops and PRelu: double references (std:: math in double, ONNX
// formulas written out here, independent of kernels/cpu/unary) and
// finite-difference gradients through autograd, away from kinks.
#include <cmath>
#include <functional>
#include <limits>

#include "engine/tensor.h"
#include "graph/autograd.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::Shape;
using engine::Tensor;

using Fn = std::function<double(double)>;

std::function<std::vector<DArray>(const std::vector<DArray>&)> Map(Fn f) {
  return [f](const std::vector<DArray>& in) {
    DArray y = in[0];
    for (double& v : y.v) v = f(v);
    return std::vector<DArray>{y};
  };
}

// Kink within `margin` of any of `points`.
std::function<bool(int, double)> Near(std::vector<double> points,
                                      double margin = 0.01) {
  return [points, margin](int input, double v) {
    if (input != 0) return false;
    for (double p : points) {
      if (std::fabs(v - p) < margin) return true;
    }
    return false;
  };
}

OpCase Unary(const std::string& op, Fn f, graph::Attributes attrs = {}) {
  OpCase c;
  c.op = op;
  c.shapes = {{3, 5, 7}};
  c.attrs = std::move(attrs);
  c.reference = Map(std::move(f));
  c.grad_inputs = {0};
  c.lo = -3.0f;
  c.hi = 3.0f;
  return c;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}
constexpr double kSeluA = 1.6732632423543772848170429916717;
constexpr double kSeluG = 1.0507009873554804934193349852946;
constexpr double kPi = 3.14159265358979323846;

TEST(UnaryOps, Activations) {
  CheckOp(Unary("Relu", [](double x) { return x > 0 ? x : 0.0; }), "Relu");
  {
    OpCase c = Unary("Relu", [](double x) { return x > 0 ? x : 0.0; });
    c.near_kink = Near({0});
    CheckOp(c, "Relu grad");
  }
  {
    OpCase c = Unary("LeakyRelu", [](double x) { return x < 0 ? 0.1 * x : x; },
                     {{"alpha", 0.1f}});
    c.near_kink = Near({0});
    CheckOp(c, "LeakyRelu");
  }
  {
    OpCase c =
        Unary("LeakyRelu", [](double x) { return x < 0 ? 0.01 * x : x; });
    c.near_kink = Near({0});
    CheckOp(c, "LeakyRelu default alpha");
  }
  {
    OpCase c =
        Unary("Elu", [](double x) { return x > 0 ? x : 0.7 * std::expm1(x); },
              {{"alpha", 0.7f}});
    c.near_kink = Near({0});
    CheckOp(c, "Elu");
  }
  {
    OpCase c = Unary("Selu", [](double x) {
      return kSeluG * (x > 0 ? x : kSeluA * std::expm1(x));
    });
    c.near_kink = Near({0});
    CheckOp(c, "Selu default");
  }
  {
    OpCase c =
        Unary("Selu",
              [](double x) { return 2.0 * (x > 0 ? x : 1.5 * std::expm1(x)); },
              {{"alpha", 1.5f}, {"gamma", 2.0f}});
    c.near_kink = Near({0});
    CheckOp(c, "Selu custom");
  }
  {
    OpCase c = Unary("Celu",
                     [](double x) {
                       return std::max(0.0, x) +
                              std::min(0.0, 0.8 * std::expm1(x / 0.8));
                     },
                     {{"alpha", 0.8f}});
    CheckOp(c, "Celu");
  }
  CheckOp(Unary("Gelu",
                [](double x) {
                  return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
                }),
          "Gelu none");
  CheckOp(Unary("Gelu",
                [](double x) {
                  return 0.5 * x *
                         (1 + std::tanh(std::sqrt(2 / kPi) *
                                        (x + 0.044715 * x * x * x)));
                },
                {{"approximate", std::string("tanh")}}),
          "Gelu tanh");
  CheckOp(Unary("Sigmoid", Sigmoid), "Sigmoid");
  CheckOp(Unary("Tanh", [](double x) { return std::tanh(x); }), "Tanh");
  {
    OpCase c =
        Unary("HardSigmoid",
              [](double x) { return std::clamp(0.3 * x + 0.4, 0.0, 1.0); },
              {{"alpha", 0.3f}, {"beta", 0.4f}});
    c.near_kink = Near({-0.4 / 0.3, 0.6 / 0.3});
    CheckOp(c, "HardSigmoid");
  }
  {
    OpCase c = Unary("HardSwish", [](double x) {
      return x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
    });
    c.lo = -4.5f;
    c.hi = 4.5f;
    c.near_kink = Near({-3, 3});
    CheckOp(c, "HardSwish");
  }
  CheckOp(Unary("Softplus", Softplus), "Softplus");
  CheckOp(Unary("Softsign", [](double x) { return x / (1 + std::fabs(x)); }),
          "Softsign");
  CheckOp(Unary("Mish", [](double x) { return x * std::tanh(Softplus(x)); }),
          "Mish");
}

TEST(UnaryOps, Math) {
  CheckOp(Unary("Exp", [](double x) { return std::exp(x); }), "Exp");
  for (const char* op : {"Log", "Sqrt", "Reciprocal"}) {
    OpCase c = Unary(op, [op](double x) {
      const std::string s = op;
      return s == "Log" ? std::log(x) : s == "Sqrt" ? std::sqrt(x) : 1.0 / x;
    });
    c.lo = 0.2f;
    c.hi = 3.0f;
    CheckOp(c, op);
  }
  {
    OpCase c = Unary("Reciprocal", [](double x) { return 1.0 / x; });
    c.lo = -3.0f;
    c.hi = -0.2f;
    CheckOp(c, "Reciprocal negative");
  }
  {
    OpCase c = Unary("Abs", [](double x) { return std::fabs(x); });
    c.near_kink = Near({0});
    CheckOp(c, "Abs");
  }
  CheckOp(Unary("Neg", [](double x) { return -x; }), "Neg");
  CheckOp(Unary("Erf", [](double x) { return std::erf(x); }), "Erf");
  // Steps: zero gradient away from the discontinuities; exact forward.
  std::vector<double> ints, halves;
  for (int i = -4; i <= 4; ++i) {
    ints.push_back(i);
    halves.push_back(i + 0.5);
  }
  for (const char* op : {"Floor", "Ceil"}) {
    OpCase c = Unary(op, [op](double x) {
      return std::string(op) == "Floor" ? std::floor(x) : std::ceil(x);
    });
    c.near_kink = Near(ints);
    c.fwd_rtol = c.fwd_atol = 0;
    CheckOp(c, op);
  }
  {
    OpCase c = Unary("Round", [](double x) { return std::nearbyint(x); });
    c.near_kink = Near(halves);
    c.fwd_rtol = c.fwd_atol = 0;
    CheckOp(c, "Round");
  }
}

Tensor Scalar(float v) {
  return Tensor::FromVector<float>(Shape(), {v}).value();
}

TEST(UnaryOps, Clip) {
  auto clip = [](double lo, double hi) {
    return [lo, hi](double x) { return std::min(std::max(x, lo), hi); };
  };
  {
    OpCase c = Unary("Clip", clip(-0.5f, 0.7f));
    c.constants = {Scalar(-0.5f), Scalar(0.7f)};
    c.near_kink = Near({-0.5f, 0.7f});
    CheckOp(c, "Clip inputs");
  }
  {
    OpCase c =
        Unary("Clip", clip(-std::numeric_limits<double>::infinity(), 0.25f));
    c.constants = {std::nullopt, Scalar(0.25f)};
    c.near_kink = Near({0.25f});
    CheckOp(c, "Clip max only");
  }
  {
    OpCase c = Unary("Clip", clip(-1.0, 1.5), {{"min", -1.0f}, {"max", 1.5f}});
    c.near_kink = Near({-1.0, 1.5});
    CheckOp(c, "Clip attributes (opset 6)");
  }
  CheckOp(Unary("Clip", [](double x) { return x; }), "Clip unbounded");
}

TEST(UnaryOps, BadAttributesNameTheNode) {
  graph::Graph g;
  auto x = g.AddInput("x", engine::DType::kF32, {4}).value();
  auto y = g.AddNode("Gelu", {x}, {{"approximate", std::string("fast")}}, 1,
                     "gelu_bad")
               .value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  absl::Status s = graph::CompiledGraph::Compile(g, BuiltinOps()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("gelu_bad"), absl::string_view::npos) << s;

  graph::Graph g2;
  x = g2.AddInput("x", engine::DType::kF32, {4}).value();
  auto lo = g2.AddConstant("lo", Scalar(1.0f)).value();
  auto hi = g2.AddConstant("hi", Scalar(-1.0f)).value();
  y = g2.AddNode("Clip", {x, lo, hi}, {}, 1, "clip_bad").value()[0];
  ASSERT_TRUE(g2.AddOutput(y).ok());
  auto cg = graph::CompiledGraph::Compile(g2, BuiltinOps()).value();
  engine::Context ctx({1});
  s = cg->Run(ctx, {Tensor::Zeros(Shape({4}), engine::DType::kF32).value()})
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("clip_bad"), absl::string_view::npos) << s;
}

// PRelu: slope broadcast (unidirectionally) to x; gradients for both.
std::vector<DArray> PReluRef(const std::vector<DArray>& in) {
  const DArray& x = in[0];
  const DArray& s = in[1];
  DArray y = x;
  const int r = static_cast<int>(x.dims.size());
  const int off = r - static_cast<int>(s.dims.size());
  const auto xs = Strides(x.dims);
  const auto ss = Strides(s.dims);
  for (int64_t n = 0; n < x.numel(); ++n) {
    int64_t o = 0;
    for (int i = off; i < r; ++i) {
      if (s.dims[i - off] != 1) o += ((n / xs[i]) % x.dims[i]) * ss[i - off];
    }
    if (x.v[n] < 0) y.v[n] = s.v[o] * x.v[n];
  }
  return {y};
}

TEST(UnaryOps, PRelu) {
  for (auto slope :
       std::vector<std::vector<int64_t>>{{3, 1}, {4}, {1}, {2, 3, 4}, {}}) {
    OpCase c;
    c.op = "PRelu";
    c.shapes = {{2, 3, 4}, slope};
    c.reference = PReluRef;
    c.grad_inputs = {0, 1};
    c.near_kink = Near({0});
    CheckOp(c, "slope rank " + std::to_string(slope.size()));
  }
  OpCase only_slope;
  only_slope.op = "PRelu";
  only_slope.shapes = {{5, 3}, {3}};
  only_slope.reference = PReluRef;
  only_slope.grad_inputs = {1};
  only_slope.near_kink = Near({0});
  CheckOp(only_slope, "slope grad only");
}

}  // namespace
}  // namespace quantsim::ops::testing
