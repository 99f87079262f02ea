// Helpers for the QDQ export tests: FakeQuantize placement by hand, the
// small simulation graphs the tests lower, and a registry that can run the
// lowered graphs in quantsim.
//
// QdqRegistry(): BuiltinOps() plus stand-in QuantizeLinear/DequantizeLinear
// (ai.onnx semantics: y = saturate(rne(x / s) + z); x = (q - z) * s; per
// tensor, per axis, blockwise) and their com.microsoft twins, each added
// only when the registry lacks it, so the real ops (ops/lists/quant_ops.h)
// take over once they land.
#ifndef QUANTSIM_TESTS_EXPORT_QDQ_QDQ_TEST_UTIL_H_
#define QUANTSIM_TESTS_EXPORT_QDQ_QDQ_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "graph/graph.h"
#include "graph/op_registry.h"
#include "quant/encoding.h"

namespace quantsim::io::qdq_testing {

const graph::OpRegistry& QdqRegistry();

// True when the built-in registry has the real QuantizeLinear.
bool HasRealQdqOps();

struct FqSpec {
  int64_t qmin = 0;
  int64_t qmax = 255;
  std::vector<float> scale = {1.0f};
  std::vector<float> zero_point = {0.0f};
  int64_t axis = -1000;  // -1000: per tensor
  int64_t block = 1;
  std::string rounding = "half_to_even";
};

// The FakeQuantize parameters of a libpymo encoding (signed symmetric ->
// [-2^(b-1), 2^(b-1)-1] with z = 0; else [0, 2^b-1] with z = -offset).
FqSpec SpecFromEncoding(const quant::Encoding& e);
FqSpec SpecFromEncodings(const std::vector<quant::Encoding>& e, int64_t axis);

// libpymo TF encodings of a tensor: per tensor, or per channel along axis 0.
absl::StatusOr<quant::Encoding> TfEncodingOf(const engine::Tensor& t, int bw,
                                             bool symmetric);
absl::StatusOr<std::vector<quant::Encoding>> TfEncodingsPerChannel(
    const engine::Tensor& t, int bw, bool symmetric);

// Adds "<name>.scale", "<name>.zero_point" parameters and a FakeQuantize
// node `name` on x; its output is named `out` (default "<name>_out").
absl::StatusOr<graph::ValueId> AddFq(graph::Graph& g, graph::ValueId x,
                                     const std::string& name,
                                     const FqSpec& spec,
                                     const std::string& out = "");

// A small simulation graph with its inputs and the output quantizer's step.
struct SimCase {
  std::string name;
  graph::Graph graph;
  std::vector<engine::Tensor> inputs;
  float out_lsb = 0.0f;   // scale of the output quantizer
  bool bit_exact = true;  // no float compute ops between quantizers
};

// The hand-built cases (half-to-even rounding unless `rounding` is given):
//   act_relu:   x -> FQ u8 -> Relu -> FQ u8 (values on exact .5 ties)
//   conv_pt:    x -> FQ u8 -> Conv(W FQ int8 per tensor) -> Relu -> FQ u8
//   conv_pc:    as conv_pt with per-channel (axis 0) int8 weights
//   gemm_pc:    x -> FQ u8 -> Gemm(W FQ int8 per channel, transB) -> FQ u8
//   narrow:     4-bit weights per channel, strict-symmetric [-127, 127]
//               activation, 4-bit [0, 15] output (z 12)
//   wide16:     uint16 activations, int16 per-channel weights
//   blockwise:  Gemm with int8 weights in blocks of 4 along Cin
//   bias32:     Gemm with an int32-grid bias quantizer
std::vector<SimCase> MakeSimCases(const std::string& rounding = "half_to_even");

// Runs `g` on `inputs` with QdqRegistry(); the first output.
absl::StatusOr<engine::Tensor> RunGraph(const graph::Graph& g,
                                        const std::vector<engine::Tensor>& in);

// Largest |a - b| / lsb over all elements (a, b f32, same shape).
double MaxLsbDiff(const engine::Tensor& a, const engine::Tensor& b, float lsb);

}  // namespace quantsim::io::qdq_testing

#endif  // QUANTSIM_TESTS_EXPORT_QDQ_QDQ_TEST_UTIL_H_
