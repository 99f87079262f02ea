// quantsim conformance: comparing a computed tensor with an expected one.
//
// Contract: CompareTensors returns "" when `actual` matches `expected`, else
// a one-line description of the first difference. Dtype and shape must be
// equal exactly. Floating-point values (f16/bf16 compared as f32) match when
// |actual - expected| <= atol + rtol * |expected| (numpy.isclose), NaN
// matches NaN and an infinity only itself. Integers and bools must be equal.
// The mismatch message gives the flat index, both values and how many
// elements differ in all.
#ifndef QUANTSIM_CONFORMANCE_COMPARE_H_
#define QUANTSIM_CONFORMANCE_COMPARE_H_

#include <string>

#include "engine/tensor.h"

namespace quantsim::conformance {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-5;
};

std::string CompareTensors(const engine::Tensor& expected,
                           const engine::Tensor& actual,
                           const Tolerance& tolerance);

// IEEE binary16 / bfloat16 bit patterns -> float (exact).
float HalfToFloat(uint16_t bits);
float BFloat16ToFloat(uint16_t bits);

}  // namespace quantsim::conformance

#endif  // QUANTSIM_CONFORMANCE_COMPARE_H_
