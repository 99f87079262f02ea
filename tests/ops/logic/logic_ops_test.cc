// Logic family: float ops against double references with finite-difference
// gradients (OpCase), integer/bool ops exactly, shape-inference errors.
#include <cmath>
#include <functional>

#include "gmock/gmock.h"
#include "graph/autograd.h"
#include "gtest/gtest.h"
#include "tests/ops/logic/run_node.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::Tensor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

OpCase Unary(const std::string& op, std::function<double(double)> f, float lo,
             float hi, graph::Attributes attrs = {}) {
  OpCase c;
  c.op = op;
  c.shapes = {{3, 4, 5}};
  c.attrs = std::move(attrs);
  c.reference = [f](const std::vector<DArray>& in) {
    DArray y = in[0];
    for (double& v : y.v) v = f(v);
    return std::vector<DArray>{y};
  };
  c.grad_inputs = {0};
  c.lo = lo;
  c.hi = hi;
  return c;
}

TEST(LogicOps, TrigAndHyperbolicWithGradients) {
  CheckOp(Unary(
              "Sin", [](double x) { return std::sin(x); }, -3, 3),
          "Sin");
  CheckOp(Unary(
              "Cos", [](double x) { return std::cos(x); }, -3, 3),
          "Cos");
  CheckOp(Unary(
              "Tan", [](double x) { return std::tan(x); }, -1.2f, 1.2f),
          "Tan");
  CheckOp(Unary(
              "Asin", [](double x) { return std::asin(x); }, -0.9f, 0.9f),
          "Asin");
  CheckOp(Unary(
              "Acos", [](double x) { return std::acos(x); }, -0.9f, 0.9f),
          "Acos");
  CheckOp(Unary(
              "Atan", [](double x) { return std::atan(x); }, -3, 3),
          "Atan");
  CheckOp(Unary(
              "Sinh", [](double x) { return std::sinh(x); }, -2, 2),
          "Sinh");
  CheckOp(Unary(
              "Cosh", [](double x) { return std::cosh(x); }, -2, 2),
          "Cosh");
  CheckOp(Unary(
              "Asinh", [](double x) { return std::asinh(x); }, -3, 3),
          "Asinh");
  CheckOp(Unary(
              "Acosh", [](double x) { return std::acosh(x); }, 1.2f, 4),
          "Acosh");
  CheckOp(Unary(
              "Atanh", [](double x) { return std::atanh(x); }, -0.9f, 0.9f),
          "Atanh");
}

TEST(LogicOps, PiecewiseOpsWithGradients) {
  OpCase shrink = Unary("Shrink",
                        [](double x) {
                          return x < -0.7 ? x + 0.25 : x > 0.7 ? x - 0.25 : 0.0;
                        },
                        -2, 2, {{"lambd", 0.7f}, {"bias", 0.25f}});
  shrink.near_kink = [](int, double v) {
    return std::fabs(std::fabs(v) - 0.7) < 0.01;
  };
  CheckOp(shrink, "Shrink");
  OpCase tr =
      Unary("ThresholdedRelu", [](double x) { return x > 0.5 ? x : 0.0; }, -2,
            2, {{"alpha", 0.5f}});
  tr.near_kink = [](int, double v) { return std::fabs(v - 0.5) < 0.01; };
  CheckOp(tr, "ThresholdedRelu");
  OpCase sign = Unary(
      "Sign", [](double x) { return x > 0   ? 1.0
                                    : x < 0 ? -1.0
                                            : 0.0; }, -2, 2);
  sign.near_kink = [](int, double v) { return std::fabs(v) < 0.01; };
  CheckOp(sign, "Sign");
}

TEST(LogicOps, WhereBroadcasts) {
  // Exact forward on mixed broadcasting.
  Tensor cnd = Make<bool>({4, 1}, {true, false, false, true});
  Tensor x = Make<int64_t>({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Tensor y = Make<int64_t>({3}, {-1, -2, -3});
  auto out = RunNode("Where", {cnd, x, y});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Values<int64_t>((*out)[0]),
              ElementsAre(1, 2, 3, -1, -2, -3, -1, -2, -3, 10, 11, 12));
}

TEST(LogicOps, WhereGradient) {
  // OpCase feeds f32 inputs first; Where takes the condition first, so
  // this checks the backward on an explicit graph: L = sum(Where(c, x, w)).
  graph::Graph g;
  auto cid = g.AddConstant("c", Make<bool>({2, 1}, {true, false})).value();
  auto xid = g.AddInput("x", engine::DType::kF32, {2, 3}).value();
  auto wid = g.AddInput("w", engine::DType::kF32, {3}).value();
  auto y = g.AddNode("Where", {cid, xid, wid}, {}, 1, "where").value()[0];
  auto loss = g.AddNode("ReduceSum", {y}, {{"keepdims", int64_t{0}}}).value();
  ASSERT_TRUE(g.AddOutput(loss[0]).ok());
  auto bg = graph::BuildBackward(g, loss[0], {xid, wid}, BuiltinOps());
  ASSERT_TRUE(bg.ok()) << bg.status();
  auto cg = graph::CompiledGraph::Compile(bg->graph, BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  graph::RunOptions opts;
  opts.fetch = bg->grads;
  engine::Context ctx({1});
  auto r = (*cg)->Run(
      ctx,
      {Make<float>({2, 3}, {1, 2, 3, 4, 5, 6}), Make<float>({3}, {0, 0, 0})},
      opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(Values<float>(r->fetched[0]), ElementsAre(1, 1, 1, 0, 0, 0));
  EXPECT_THAT(Values<float>(r->fetched[1]), ElementsAre(1, 1, 1));
}

TEST(LogicOps, ComparisonsBroadcastToBool) {
  Tensor a = Make<int32_t>({2, 3}, {1, 5, 3, 7, 2, 3});
  Tensor b = Make<int32_t>({3}, {1, 4, 3});
  auto eq = RunNode("Equal", {a, b});
  ASSERT_TRUE(eq.ok()) << eq.status();
  EXPECT_EQ((*eq)[0].dtype(), engine::DType::kBool);
  EXPECT_THAT(Values<bool>((*eq)[0]),
              ElementsAre(true, false, true, false, false, true));
  auto ge = RunNode("GreaterOrEqual", {a, b});
  ASSERT_TRUE(ge.ok());
  EXPECT_THAT(Values<bool>((*ge)[0]),
              ElementsAre(true, true, true, true, false, true));
  auto lt = RunNode(
      "Less", {Make<double>({2}, {1.0, NAN}), Make<double>({2}, {2.0, 2.0})});
  ASSERT_TRUE(lt.ok());
  EXPECT_THAT(Values<bool>((*lt)[0]), ElementsAre(true, false));
}

TEST(LogicOps, BooleanAndBitwise) {
  Tensor p = Make<bool>({4}, {false, false, true, true});
  Tensor q = Make<bool>({4}, {false, true, false, true});
  EXPECT_THAT(Values<bool>(RunNode("And", {p, q}).value()[0]),
              ElementsAre(false, false, false, true));
  EXPECT_THAT(Values<bool>(RunNode("Or", {p, q}).value()[0]),
              ElementsAre(false, true, true, true));
  EXPECT_THAT(Values<bool>(RunNode("Xor", {p, q}).value()[0]),
              ElementsAre(false, true, true, false));
  EXPECT_THAT(Values<bool>(RunNode("Not", {p}).value()[0]),
              ElementsAre(true, true, false, false));
  Tensor a = Make<int32_t>({3}, {0b1100, -1, 7});
  Tensor b = Make<int32_t>({3}, {0b1010, 5, 0});
  EXPECT_THAT(Values<int32_t>(RunNode("BitwiseAnd", {a, b}).value()[0]),
              ElementsAre(0b1000, 5, 0));
  EXPECT_THAT(Values<int32_t>(RunNode("BitwiseOr", {a, b}).value()[0]),
              ElementsAre(0b1110, -1, 7));
  EXPECT_THAT(Values<int32_t>(RunNode("BitwiseXor", {a, b}).value()[0]),
              ElementsAre(0b0110, -6, 7));
  EXPECT_THAT(Values<int32_t>(RunNode("BitwiseNot", {a}).value()[0]),
              ElementsAre(~0b1100, 0, -8));
  Tensor u = Make<uint8_t>({3}, {16, 255, 1});
  Tensor s = Make<uint8_t>({3}, {1, 4, 9});
  EXPECT_THAT(Values<uint8_t>(RunNode("BitShift", {u, s},
                                      {{"direction", std::string("LEFT")}})
                                  .value()[0]),
              ElementsAre(32, 240, 0));
  EXPECT_THAT(Values<uint8_t>(RunNode("BitShift", {u, s},
                                      {{"direction", std::string("RIGHT")}})
                                  .value()[0]),
              ElementsAre(8, 15, 0));
}

TEST(LogicOps, ModFollowsDivisorOrDividendSign) {
  Tensor a = Make<int32_t>({4}, {7, -7, 7, -7});
  Tensor b = Make<int32_t>({4}, {3, 3, -3, 0});
  EXPECT_THAT(Values<int32_t>(RunNode("Mod", {a, b}).value()[0]),
              ElementsAre(1, 2, -2, 0));
  EXPECT_THAT(Values<int32_t>(
                  RunNode("Mod", {a, b}, {{"fmod", int64_t{1}}}).value()[0]),
              ElementsAre(1, -1, 1, 0));
  Tensor x = Make<float>({2}, {-4.5f, 4.5f});
  Tensor y = Make<float>({2}, {2.0f, -2.0f});
  EXPECT_THAT(
      Values<float>(RunNode("Mod", {x, y}, {{"fmod", int64_t{1}}}).value()[0]),
      ElementsAre(-0.5f, 0.5f));
  EXPECT_THAT(Values<float>(RunNode("Mod", {x, y}).value()[0]),
              ElementsAre(1.5f, -1.5f));
}

TEST(LogicOps, PredicatesAndIntegerSign) {
  Tensor x = Make<float>({4}, {1.0f, NAN, INFINITY, -INFINITY});
  EXPECT_THAT(Values<bool>(RunNode("IsNaN", {x}).value()[0]),
              ElementsAre(false, true, false, false));
  EXPECT_THAT(Values<bool>(RunNode("IsInf", {x}).value()[0]),
              ElementsAre(false, false, true, true));
  EXPECT_THAT(
      Values<bool>(
          RunNode("IsInf", {x}, {{"detect_positive", int64_t{0}}}).value()[0]),
      ElementsAre(false, false, false, true));
  EXPECT_THAT(Values<int64_t>(
                  RunNode("Sign", {Make<int64_t>({3}, {-5, 0, 9})}).value()[0]),
              ElementsAre(-1, 0, 1));
}

TEST(LogicOps, ShapeInferenceErrorsNameTheNode) {
  auto mixed =
      RunNode("Equal", {Make<float>({2}, {1, 2}), Make<int32_t>({2}, {1, 2})});
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.status().message(), HasSubstr("'node'"));
  auto bcast =
      RunNode("Less", {Make<float>({2}, {1, 2}), Make<float>({3}, {1, 2, 3})});
  ASSERT_FALSE(bcast.ok());
  EXPECT_THAT(bcast.status().message(), HasSubstr("'node'"));
  auto notbool =
      RunNode("And", {Make<int32_t>({1}, {1}), Make<int32_t>({1}, {1})});
  ASSERT_FALSE(notbool.ok());
  EXPECT_THAT(notbool.status().message(), HasSubstr("bool"));
  auto shift =
      RunNode("BitShift", {Make<int32_t>({1}, {1}), Make<int32_t>({1}, {1})},
              {{"direction", std::string("LEFT")}});
  ASSERT_FALSE(shift.ok());
  EXPECT_THAT(shift.status().message(), HasSubstr("unsigned"));
  auto where = RunNode("Where", {Make<float>({1}, {1}), Make<float>({1}, {1}),
                                 Make<float>({1}, {1})});
  ASSERT_FALSE(where.ok());
  EXPECT_THAT(where.status().message(), HasSubstr("'node'"));
}

}  // namespace
}  // namespace quantsim::ops::testing
