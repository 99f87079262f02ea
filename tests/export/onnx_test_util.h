// Helpers for the ONNX tests: hand-built ModelProtos and graph comparison.
#ifndef QUANTSIM_TESTS_EXPORT_ONNX_TEST_UTIL_H_
#define QUANTSIM_TESTS_EXPORT_ONNX_TEST_UTIL_H_

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "graph/graph.h"

namespace quantsim::io::testing {

// A model at `opset` with one f32 input `x` of `dims` (-1 = dim_param "N")
// and outputs `outputs` (f32, no shape); add nodes and initializers to it.
onnx::ModelProto MakeModel(int opset, const std::vector<int64_t>& dims,
                           const std::vector<std::string>& outputs = {"y"},
                           int64_t ir_version = 7);
onnx::NodeProto* AddNode(onnx::ModelProto& m, const std::string& op,
                         const std::string& name,
                         const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs);
void AddIntsAttr(onnx::NodeProto* n, const std::string& name,
                 const std::vector<int64_t>& v);
void AddIntAttr(onnx::NodeProto* n, const std::string& name, int64_t v);
void AddFloatAttr(onnx::NodeProto* n, const std::string& name, float v);
void AddStringAttr(onnx::NodeProto* n, const std::string& name,
                   const std::string& v);
onnx::TensorProto* AddFloatInit(onnx::ModelProto& m, const std::string& name,
                                const std::vector<int64_t>& dims,
                                const std::vector<float>& values);
std::string Bytes(const onnx::ModelProto& m);

// Empty when equal; else a description of the first difference (names,
// kinds, op types, wiring, attributes, tensors bit-exact, input types).
std::string DiffGraphs(const graph::Graph& a, const graph::Graph& b);

// Contents of a 1-D/scalar constant or parameter, as int64/float.
std::vector<int64_t> ConstInts(const graph::Graph& g, graph::ValueId v);
std::vector<float> ConstFloats(const graph::Graph& g, graph::ValueId v);

}  // namespace quantsim::io::testing

#endif  // QUANTSIM_TESTS_EXPORT_ONNX_TEST_UTIL_H_
