// quantsim kernels: scalar reference for the binary ops (float IEEE ops; Max
// and Min propagate a NaN from either side). Baseline TUs and tests only.
#ifndef QUANTSIM_KERNELS_CPU_BINARY_BINARY_REFERENCE_H_
#define QUANTSIM_KERNELS_CPU_BINARY_BINARY_REFERENCE_H_

#include <cmath>

#include "kernels/cpu/binary/binary.h"

namespace quantsim::kernels::binary_ref {

inline float Apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kMax:
      return b != b ? b : (a < b ? b : a);
    case BinaryOp::kMin:
      return b != b ? b : (b < a ? b : a);
  }
  return a;
}

}  // namespace quantsim::kernels::binary_ref

#endif  // QUANTSIM_KERNELS_CPU_BINARY_BINARY_REFERENCE_H_
