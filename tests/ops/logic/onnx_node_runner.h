// Test helper: runs one ONNX backend node test (libonnx-testdata layout:
// <dir>/model.onnx + <dir>/test_data_set_0/{input,output}_<i>.pb) through
// io::ReadOnnx and the CPU executor, and compares every output with the
// expected TensorProto (floats: |got - want| <= 1e-7 + 1e-3 |want|, the
// ONNX backend-test tolerance, NaN matching NaN; other dtypes exactly;
// shapes and dtypes exactly). A stand-in until the shared conformance
// runner lands.
#ifndef QUANTSIM_TESTS_OPS_LOGIC_ONNX_NODE_RUNNER_H_
#define QUANTSIM_TESTS_OPS_LOGIC_ONNX_NODE_RUNNER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/tensor.h"

namespace quantsim::ops::testing {

// The node-test root: $ONNX_NODE_TEST_DIR or
// /usr/share/libonnx-testdata/data/node ("" when neither exists).
std::string NodeTestRoot();

// A TensorProto file (raw_data or typed fields) as a tensor.
absl::StatusOr<engine::Tensor> ReadTensorProto(const std::string& path);

// OK when the test passes; otherwise the first problem (load, run or the
// first mismatching element).
absl::Status RunNodeTest(const std::string& dir);

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_LOGIC_ONNX_NODE_RUNNER_H_
