// quantsim tests: double references for the binary broadcast kernels.
//
// SourceOffset(x, y, flat): offset inside x of the element that output index
// `flat` (row-major in y) reads under numpy broadcasting.
// OpD(op, a, b): op in double (Max / Min without the NaN rule of
// binary_reference.h; the tests keep NaN out of these).
#ifndef QUANTSIM_TESTS_KERNELS_CPU_BINARY_BINARY_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_BINARY_BINARY_TEST_UTIL_H_

#include <stdint.h>

#include <algorithm>
#include <cmath>

#include "kernels/cpu/binary/binary.h"

namespace quantsim::kernels::testing {

inline int64_t SourceOffset(const Dims& x, const Dims& y, int64_t flat) {
  int64_t off = 0, stride = 1;
  for (int i = y.rank - 1; i >= 0; --i) {
    const int64_t idx = flat % y.d[i];
    flat /= y.d[i];
    const int j = i - (y.rank - x.rank);
    if (j < 0) continue;
    if (x.d[j] != 1) off += idx * stride;
    stride *= x.d[j];
  }
  return off;
}

inline double OpD(BinaryOp op, double a, double b) {
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
      return std::max(a, b);
    case BinaryOp::kMin:
      return std::min(a, b);
  }
  return 0;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_BINARY_BINARY_TEST_UTIL_H_
