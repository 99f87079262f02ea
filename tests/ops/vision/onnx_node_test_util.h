// A small local runner for ONNX backend node tests (libonnx-testdata's
// data/node/<test>/model.onnx + test_data_set_0/{input,output}_*.pb): reads
// the model with io::ReadOnnx, the TensorProtos with the onnx protobuf
// classes, runs the graph on the CPU and compares every output (floats with
// ONNX's backend-test tolerance rtol 1e-3, atol 1e-7; integers exactly).
#ifndef QUANTSIM_TESTS_OPS_VISION_ONNX_NODE_TEST_UTIL_H_
#define QUANTSIM_TESTS_OPS_VISION_ONNX_NODE_TEST_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/tensor.h"

namespace quantsim::ops::testing {

inline constexpr char kOnnxNodeTestDir[] =
    "/usr/share/libonnx-testdata/data/node";

// Reads one serialized onnx TensorProto file.
absl::StatusOr<engine::Tensor> ReadTensorProtoFile(const std::string& path);

// Runs node test `name` (e.g. "test_resize_upsample_scales_linear"): OK when
// every output matches; the status message says what differed.
absl::Status RunOnnxNodeTest(const std::string& name);

// Whether the test data folder is installed.
bool HaveOnnxNodeTests();

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_VISION_ONNX_NODE_TEST_UTIL_H_
