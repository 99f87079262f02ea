// quantsim kernels: scalar reference for the unary ops (the source of truth,
// float arithmetic with std:: math, no FMA contraction). Include from
// baseline TUs and tests only, never from a per-arch SIMD TU (ODR).
//
// Kinks: Relu/LeakyRelu/Elu/Selu/Celu use x > 0 for the positive branch in
// backward (grad at 0 is the negative-side one); Clip passes the gradient for
// lo <= x <= hi; Abs has grad sign(x) with 0 at 0; HardSigmoid/HardSwish use
// the linear branch on the closed interval 0 <= alpha x + beta <= 1.
#ifndef QUANTSIM_KERNELS_CPU_UNARY_UNARY_REFERENCE_H_
#define QUANTSIM_KERNELS_CPU_UNARY_UNARY_REFERENCE_H_

#include <cmath>

#include "kernels/cpu/unary/unary.h"
#include "kernels/cpu/unary/unary_constants.h"

namespace quantsim::kernels::unary_ref {

inline float Softplus(float x) {
  // Stable: max(x, 0) + log1p(exp(-|x|)).
  return (x > 0.0f ? x : 0.0f) + std::log1p(std::exp(-std::fabs(x)));
}
inline float SigmoidF(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float HardSigmoidF(float x, float a, float b) {
  const float v = a * x + b;
  return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
}

inline float Forward(const UnaryParams& p, float x) {
  const float a = p.alpha, b = p.beta;
  switch (p.op) {
    case UnaryOp::kRelu:
      return x < 0.0f ? 0.0f : x;
    case UnaryOp::kLeakyRelu:
      return x < 0.0f ? a * x : x;
    case UnaryOp::kElu:
      return x > 0.0f ? x : a * std::expm1(x);
    case UnaryOp::kSelu:
      return kSeluGamma * (x > 0.0f ? x : kSeluAlpha * std::expm1(x));
    case UnaryOp::kCelu:
      return (x > 0.0f ? x : 0.0f) + (x > 0.0f ? 0.0f : a * std::expm1(x / a));
    case UnaryOp::kGeluErf:
      return 0.5f * x * (1.0f + std::erf(x * kSqrt1_2));
    case UnaryOp::kGeluTanh:
      return 0.5f * x *
             (1.0f + std::tanh(kSqrt2OverPi * (x + kGeluC * x * x * x)));
    case UnaryOp::kSigmoid:
      return SigmoidF(x);
    case UnaryOp::kTanh:
      return std::tanh(x);
    case UnaryOp::kHardSigmoid:
      return HardSigmoidF(x, a, b);
    case UnaryOp::kHardSwish:
      return x * HardSigmoidF(x, kHardSwishAlpha, 0.5f);
    case UnaryOp::kSoftplus:
      return Softplus(x);
    case UnaryOp::kSoftsign:
      return x / (1.0f + std::fabs(x));
    case UnaryOp::kMish:
      return x * std::tanh(Softplus(x));
    case UnaryOp::kClip:
      return x < a ? a : (x > b ? b : x);
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return std::log(x);
    case UnaryOp::kSqrt:
      return std::sqrt(x);
    case UnaryOp::kReciprocal:
      return 1.0f / x;
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
      return std::nearbyint(x);  // default FE_TONEAREST: half to even
  }
  return x;
}

// f'(.) times dy; x or y per UnaryGradInputOf (the other may be garbage).
inline float Backward(const UnaryParams& p, float x, float y, float dy) {
  const float a = p.alpha, b = p.beta;
  switch (p.op) {
    case UnaryOp::kRelu:
      return x > 0.0f ? dy : 0.0f;
    case UnaryOp::kLeakyRelu:
      return x > 0.0f ? dy : dy * a;
    case UnaryOp::kElu:
      return x > 0.0f ? dy : dy * (a * std::exp(x));
    case UnaryOp::kSelu:
      return x > 0.0f ? dy * kSeluGamma
                      : dy * (kSeluGamma * kSeluAlpha * std::exp(x));
    case UnaryOp::kCelu:
      return x > 0.0f ? dy : dy * std::exp(x / a);
    case UnaryOp::kGeluErf: {
      const float cdf = 0.5f * (1.0f + std::erf(x * kSqrt1_2));
      const float pdf = kInvSqrt2Pi * std::exp(-0.5f * x * x);
      return dy * (cdf + x * pdf);
    }
    case UnaryOp::kGeluTanh: {
      const float x2 = x * x;
      const float t = std::tanh(kSqrt2OverPi * (x + kGeluC * x2 * x));
      const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluC * x2);
      return dy * (0.5f * (1.0f + t) + 0.5f * x * ((1.0f - t * t) * du));
    }
    case UnaryOp::kSigmoid:
      return dy * (y * (1.0f - y));
    case UnaryOp::kTanh:
      return dy * (1.0f - y * y);
    case UnaryOp::kHardSigmoid: {
      const float v = a * x + b;
      return (v >= 0.0f && v <= 1.0f) ? dy * a : 0.0f;
    }
    case UnaryOp::kHardSwish: {
      const float v = kHardSwishAlpha * x + 0.5f;
      return v < 0.0f ? 0.0f : (v > 1.0f ? dy : dy * (v + kHardSwishAlpha * x));
    }
    case UnaryOp::kSoftplus:
      return dy * SigmoidF(x);
    case UnaryOp::kSoftsign: {
      const float d = 1.0f + std::fabs(x);
      return dy / (d * d);
    }
    case UnaryOp::kMish: {
      // d/dx x tanh(sp(x)) = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)
      const float t = std::tanh(Softplus(x));
      return dy * (t + x * SigmoidF(x) * (1.0f - t * t));
    }
    case UnaryOp::kClip:
      return (x >= a && x <= b) ? dy : 0.0f;
    case UnaryOp::kExp:
      return dy * y;
    case UnaryOp::kLog:
      return dy / x;
    case UnaryOp::kSqrt:
      return dy / (2.0f * y);
    case UnaryOp::kReciprocal:
      return -(dy * (y * y));
    case UnaryOp::kAbs:
      return x > 0.0f ? dy : (x < 0.0f ? -dy : 0.0f);
    case UnaryOp::kNeg:
      return -dy;
    case UnaryOp::kErf:
      return dy * (k2OverSqrtPi * std::exp(-(x * x)));
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRound:
      return 0.0f;
  }
  return 0.0f;
}

}  // namespace quantsim::kernels::unary_ref

#endif  // QUANTSIM_KERNELS_CPU_UNARY_UNARY_REFERENCE_H_
