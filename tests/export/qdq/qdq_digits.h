// The digits CNN (tests/data/onnx/digits_cnn.onnx) as a simulation graph:
// FakeQuantize on the input, every Relu output and the logits (asymmetric,
// libpymo TF encodings from min/max over a calibration batch) and on the
// Conv/Gemm weights (symmetric, per tensor or per output channel). Biases
// stay float. Activation quantizer outputs are named "<value>_fq".
#ifndef QUANTSIM_TESTS_EXPORT_QDQ_QDQ_DIGITS_H_
#define QUANTSIM_TESTS_EXPORT_QDQ_QDQ_DIGITS_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "graph/graph.h"
#include "tests/export/qdq/qdq_test_util.h"

namespace quantsim::io::qdq_testing {

struct DigitsQuantOptions {
  int weight_bits = 8;
  int act_bits = 8;
  bool per_channel_weights = false;
  std::string rounding = "half_to_even";
};

absl::StatusOr<graph::Graph> DigitsSimGraph(const std::string& onnx_path,
                                            const engine::Tensor& calib,
                                            const DigitsQuantOptions& q);

// The scale of the quantizer producing the graph's first output.
float OutputLsb(const graph::Graph& sim);

}  // namespace quantsim::io::qdq_testing

#endif  // QUANTSIM_TESTS_EXPORT_QDQ_QDQ_DIGITS_H_
