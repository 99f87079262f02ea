// Direct double-precision references of Conv, ConvTranspose, Gemm and
// MatMul for the nn op tests, written from the ONNX definitions (nested
// loops over output or input positions; no im2col, no GEMM).
#ifndef QUANTSIM_TESTS_OPS_NN_REFERENCE_H_
#define QUANTSIM_TESTS_OPS_NN_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {

struct ConvRefParams {
  std::vector<int64_t> strides, dilations;  // per spatial dim
  std::vector<int64_t> pad_begin, pad_end;  // per spatial dim
  std::vector<int64_t> output_padding;      // ConvTranspose only
  int64_t group = 1;
};

// y[n, m, o] = b[m] + sum_{c, k} x[n, g * C/G + c, o * s - pb + k * d]
//              * w[m, c, k]      (g = m / (M / G), zero outside the input)
DArray ConvRef(const DArray& x, const DArray& w, const DArray* b,
               const ConvRefParams& p);

// y[n, g * M/G + m, i * s - pb + k * d] += x[n, c, i] * w[c, m, k]
// (g = c / (C / G)), out = s (in - 1) + op + d (k - 1) + 1 - pb - pe.
DArray ConvTransposeRef(const DArray& x, const DArray& w, const DArray* b,
                        const ConvRefParams& p);

// alpha op(A) op(B) + beta C (C broadcast to [M, N]; null = none).
DArray GemmRef(const DArray& a, const DArray& b, const DArray* c, double alpha,
               double beta, bool trans_a, bool trans_b);

// numpy.matmul.
DArray MatMulRef(const DArray& a, const DArray& b);

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_NN_REFERENCE_H_
