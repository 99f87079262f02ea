// Broadcasting binary ops (Add, Sub, Mul, Div, Pow) and variadic Max, Min,
// Sum, Mean: double references with numpy broadcasting written out here,
// gradients (including the ReduceToShape of broadcast inputs) by finite
// differences, away from Max/Min ties.
#include <cmath>
#include <functional>

#include "gtest/gtest.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using Dims = std::vector<int64_t>;

Dims Broadcast(const std::vector<DArray>& in) {
  size_t r = 0;
  for (const DArray& a : in) r = std::max(r, a.dims.size());
  Dims y(r, 1);
  for (const DArray& a : in) {
    for (size_t i = 0; i < a.dims.size(); ++i) {
      const size_t j = r - a.dims.size() + i;
      if (a.dims[i] != 1) y[j] = a.dims[i];
    }
  }
  return y;
}

// Flat index into `a` of output element n of shape y.
int64_t Index(const DArray& a, const Dims& y, int64_t n) {
  const auto ys = Strides(y);
  const auto as = Strides(a.dims);
  const int off = static_cast<int>(y.size() - a.dims.size());
  int64_t o = 0;
  for (int i = off; i < static_cast<int>(y.size()); ++i) {
    if (a.dims[i - off] != 1) o += ((n / ys[i]) % y[i]) * as[i - off];
  }
  return o;
}

// y[n] = f(values of every input at n).
std::function<std::vector<DArray>(const std::vector<DArray>&)> NAry(
    std::function<double(const std::vector<double>&)> f) {
  return [f](const std::vector<DArray>& in) {
    const Dims yd = Broadcast(in);
    DArray y{yd, std::vector<double>(NumElements(yd))};
    std::vector<double> v(in.size());
    for (int64_t n = 0; n < y.numel(); ++n) {
      for (size_t k = 0; k < in.size(); ++k)
        v[k] = in[k].v[Index(in[k], yd, n)];
      y.v[n] = f(v);
    }
    return std::vector<DArray>{y};
  };
}

const std::vector<std::pair<Dims, Dims>> kShapes = {
    {{2, 3, 4}, {4}},
    {{2, 1, 4}, {3, 1}},
    {{2, 3, 4}, {}},
    {{}, {2, 3}},
    {{3, 1}, {2, 1, 4}},
    {{2, 3, 4}, {2, 3, 4}},
    {{1, 3, 1, 5}, {2, 1, 4, 1}},
};

std::string Label(const std::string& op, const Dims& a, const Dims& b) {
  std::string s = op + " [";
  for (int64_t d : a) s += std::to_string(d) + ",";
  s += "] [";
  for (int64_t d : b) s += std::to_string(d) + ",";
  return s + "]";
}

TEST(BinaryOps, ArithmeticWithBroadcasting) {
  const std::vector<
      std::pair<std::string, std::function<double(double, double)>>>
      ops = {{"Add", [](double a, double b) { return a + b; }},
             {"Sub", [](double a, double b) { return a - b; }},
             {"Mul", [](double a, double b) { return a * b; }},
             {"Div", [](double a, double b) { return a / b; }}};
  for (const auto& [op, f] : ops) {
    for (const auto& [a, b] : kShapes) {
      OpCase c;
      c.op = op;
      c.shapes = {a, b};
      c.reference =
          NAry([f = f](const std::vector<double>& v) { return f(v[0], v[1]); });
      c.grad_inputs = {0, 1};
      if (op == "Div") {  // keep the divisor away from 0
        c.near_kink = [](int input, double v) {
          return input == 1 && std::fabs(v) < 0.3;
        };
      }
      CheckOp(c, Label(op, a, b));
    }
  }
}

TEST(BinaryOps, OneSidedGradients) {
  for (int which : {0, 1}) {
    OpCase c;
    c.op = "Mul";
    c.shapes = {{4, 3}, {3}};
    c.reference =
        NAry([](const std::vector<double>& v) { return v[0] * v[1]; });
    c.grad_inputs = {which};
    CheckOp(c, "Mul grad of input " + std::to_string(which));
  }
}

TEST(BinaryOps, Pow) {
  for (const auto& [a, b] : kShapes) {
    OpCase c;
    c.op = "Pow";
    c.shapes = {a, b};
    c.lo = 0.3f;  // positive base: both gradients defined
    c.hi = 2.0f;
    c.reference =
        NAry([](const std::vector<double>& v) { return std::pow(v[0], v[1]); });
    c.grad_inputs = {0, 1};
    CheckOp(c, Label("Pow", a, b));
  }
}

// No Max/Min ties: input k only takes values whose fractional tenths of |v|
// lie in its own band [0.25 k, 0.25 k + 0.2], so values of different inputs
// differ by >= 0.005, far beyond fd_eps.
bool NearGrid(int input, double v) {
  const double r = std::fmod(std::fabs(v) * 10.0, 1.0);
  return std::fabs(r - (0.1 + 0.25 * input)) > 0.1;
}

TEST(VariadicOps, MaxMinSumMean) {
  const std::vector<std::vector<Dims>> shape_sets = {
      {{2, 3, 4}},
      {{2, 3, 4}, {4}},
      {{2, 1, 4}, {3, 1}},
      {{2, 3, 4}, {}, {3, 1}},
      {{3, 1}, {1, 4}, {3, 4}, {4}},
  };
  for (const std::string op : {"Max", "Min", "Sum", "Mean"}) {
    for (const auto& shapes : shape_sets) {
      OpCase c;
      c.op = op;
      c.shapes = shapes;
      c.reference = NAry([op](const std::vector<double>& v) {
        double r = v[0];
        for (size_t k = 1; k < v.size(); ++k) {
          r = op == "Max"   ? std::max(r, v[k])
              : op == "Min" ? std::min(r, v[k])
                            : r + v[k];
        }
        return op == "Mean" ? r / v.size() : r;
      });
      for (size_t i = 0; i < shapes.size(); ++i) c.grad_inputs.push_back(i);
      c.near_kink = NearGrid;
      CheckOp(c, op + " of " + std::to_string(shapes.size()));
    }
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
