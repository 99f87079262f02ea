// ggml test-backend-ops style op tests: one small struct per case.
//
// CheckOp(c) builds a one-node graph through ops::BuiltinOps(), runs it on
// random inputs and compares every output with c.reference (a double
// precision re-implementation); then, when c.grad_inputs is not empty, it
// builds the backward graph of L = sum_k <y_k, r_k> (r_k random) and compares
// dL/dx_i with central finite differences of the double reference, inputs
// moved away from kinks by c.near_kink (flashlight's jacobianTestImpl idea).
#ifndef QUANTSIM_TESTS_OPS_OP_TEST_UTIL_H_
#define QUANTSIM_TESTS_OPS_OP_TEST_UTIL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "graph/attributes.h"

namespace quantsim::ops::testing {

struct DArray {
  std::vector<int64_t> dims;
  std::vector<double> v;
  int64_t numel() const { return static_cast<int64_t>(v.size()); }
};

struct OpCase {
  std::string op;
  std::vector<std::vector<int64_t>> shapes;  // of the f32 graph inputs
  graph::Attributes attrs;
  // Extra inputs after the f32 ones, passed as graph constants (e.g. the
  // int64 shape of Reshape); nullopt = a missing optional input.
  std::vector<std::optional<engine::Tensor>> constants;
  int num_outputs = 1;
  std::function<std::vector<DArray>(const std::vector<DArray>&)> reference;
  double fwd_rtol = 1e-5;
  double fwd_atol = 1e-6;
  std::vector<int> grad_inputs;  // which f32 inputs to differentiate
  double fd_eps = 1e-3;
  double grad_rtol = 2e-3;
  double grad_atol = 2e-4;
  float lo = -2.0f, hi = 2.0f;
  // Returns true when input `input` holding `v` is too close to a kink.
  std::function<bool(int input, double v)> near_kink;
  uint32_t seed = 1;
};

// Runs the checks with gtest assertions; `label` names the case.
void CheckOp(const OpCase& c, const std::string& label);

// Helpers for references.
int64_t NumElements(const std::vector<int64_t>& dims);
std::vector<int64_t> Strides(const std::vector<int64_t>& dims);

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_OP_TEST_UTIL_H_
