// Test helper: double-precision forward formulas for every UnaryOp, the
// "truth" the float reference and the finite differences are checked against.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_UNARY_UNARY_DOUBLE_REF_H_
#define QUANTSIM_TESTS_KERNELS_CPU_UNARY_UNARY_DOUBLE_REF_H_

#include <cmath>

#include "kernels/cpu/unary/unary.h"

namespace quantsim::kernels::testing {

inline double SoftplusD(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

inline double UnaryD(const UnaryParams& p, double x) {
  const double a = p.alpha, b = p.beta;
  const double pi = 3.14159265358979323846;
  switch (p.op) {
    case UnaryOp::kRelu:
      return x < 0 ? 0 : x;
    case UnaryOp::kLeakyRelu:
      return x < 0 ? a * x : x;
    case UnaryOp::kElu:
      return x > 0 ? x : a * std::expm1(x);
    case UnaryOp::kSelu:
      return 1.0507009873554804934193349852946 *
             (x > 0 ? x : 1.6732632423543772848170429916717 * std::expm1(x));
    case UnaryOp::kCelu:
      return std::max(0.0, x) + std::min(0.0, a * std::expm1(x / a));
    case UnaryOp::kGeluErf:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::kGeluTanh:
      return 0.5 * x *
             (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715 * x * x * x)));
    case UnaryOp::kSigmoid:
      return 1 / (1 + std::exp(-x));
    case UnaryOp::kTanh:
      return std::tanh(x);
    case UnaryOp::kHardSigmoid:
      return std::max(0.0, std::min(1.0, a * x + b));
    case UnaryOp::kHardSwish:
      return x * std::max(0.0, std::min(1.0, x / 6 + 0.5));
    case UnaryOp::kSoftplus:
      return SoftplusD(x);
    case UnaryOp::kSoftsign:
      return x / (1 + std::fabs(x));
    case UnaryOp::kMish:
      return x * std::tanh(SoftplusD(x));
    case UnaryOp::kClip:
      return std::min(b, std::max(a, x));
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return std::log(x);
    case UnaryOp::kSqrt:
      return std::sqrt(x);
    case UnaryOp::kReciprocal:
      return 1 / x;
    case UnaryOp::kAbs:
      return std::fabs(x);
    case UnaryOp::kNeg:
      return -x;
    case UnaryOp::kErf:
      return std::erf(x);
    case UnaryOp::kFloor:
      return std::floor(x);
    case UnaryOp::kCeil:
      return std::ceil(x);
    case UnaryOp::kRound:
      return std::nearbyint(x);
  }
  return x;
}

// Domain [lo, hi] used for op's random inputs.
inline void UnaryDomain(UnaryOp op, double* lo, double* hi) {
  *lo = -6;
  *hi = 6;
  if (op == UnaryOp::kLog || op == UnaryOp::kSqrt) *lo = 0.01;
  if (op == UnaryOp::kExp) *lo = -20, *hi = 20;
}

// Params used in the tests: non-default values where an attribute exists.
inline UnaryParams TestParams(UnaryOp op) {
  UnaryParams p = DefaultUnaryParams(op);
  switch (op) {
    case UnaryOp::kLeakyRelu:
      p.alpha = 0.1f;
      break;
    case UnaryOp::kElu:
      p.alpha = 0.7f;
      break;
    case UnaryOp::kCelu:
      p.alpha = 1.5f;
      break;
    case UnaryOp::kHardSigmoid:
      p.alpha = 0.25f;
      p.beta = 0.4f;
      break;
    case UnaryOp::kClip:
      p.alpha = -1.5f;
      p.beta = 2.25f;
      break;
    default:
      break;
  }
  return p;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_UNARY_UNARY_DOUBLE_REF_H_
