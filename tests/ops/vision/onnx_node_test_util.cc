#include "tests/ops/vision/onnx_node_test_util.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/context.h"
#include "engine/file.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "ops/registry.h"

namespace quantsim::ops::testing {
namespace {

using engine::DType;

absl::StatusOr<DType> ProtoDType(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT:
      return DType::kF32;
    case onnx::TensorProto::UINT8:
      return DType::kU8;
    case onnx::TensorProto::INT8:
      return DType::kI8;
    case onnx::TensorProto::UINT16:
      return DType::kU16;
    case onnx::TensorProto::INT16:
      return DType::kI16;
    case onnx::TensorProto::INT32:
      return DType::kI32;
    case onnx::TensorProto::INT64:
      return DType::kI64;
    case onnx::TensorProto::BOOL:
      return DType::kBool;
    case onnx::TensorProto::DOUBLE:
      return DType::kF64;
    default:
      return absl::UnimplementedError(absl::StrCat("tensor data type ", t));
  }
}

template <typename T>
double At(const engine::Tensor& t, int64_t i) {
  return static_cast<double>(t.data<T>()[i]);
}

double ValueAt(const engine::Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kF32:
      return At<float>(t, i);
    case DType::kF64:
      return At<double>(t, i);
    case DType::kU8:
      return At<uint8_t>(t, i);
    case DType::kI8:
      return At<int8_t>(t, i);
    case DType::kU16:
      return At<uint16_t>(t, i);
    case DType::kI16:
      return At<int16_t>(t, i);
    case DType::kI32:
      return At<int32_t>(t, i);
    case DType::kI64:
      return At<int64_t>(t, i);
    case DType::kBool:
      return static_cast<double>(t.data<bool>()[i]);
    default:
      return NAN;
  }
}

}  // namespace

absl::StatusOr<engine::Tensor> ReadTensorProtoFile(const std::string& path) {
  QS_ASSIGN_OR_RETURN(std::string bytes, engine::ReadFile(path));
  onnx::TensorProto p;
  if (!p.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat(path, ": not a TensorProto"));
  }
  QS_ASSIGN_OR_RETURN(DType dtype, ProtoDType(p.data_type()));
  std::vector<int64_t> dims(p.dims().begin(), p.dims().end());
  QS_ASSIGN_OR_RETURN(engine::Tensor t,
                      engine::Tensor::Empty(engine::Shape(dims), dtype));
  const size_t nbytes = t.nbytes();
  if (p.has_raw_data()) {
    if (p.raw_data().size() != nbytes) {
      return absl::DataLossError(absl::StrCat(path, ": raw_data size"));
    }
    std::memcpy(t.raw_data(), p.raw_data().data(), nbytes);
    return t;
  }
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::kF32:
        t.data<float>()[i] = p.float_data(i);
        break;
      case DType::kF64:
        t.data<double>()[i] = p.double_data(i);
        break;
      case DType::kI64:
        t.data<int64_t>()[i] = p.int64_data(i);
        break;
      case DType::kU8:
        t.data<uint8_t>()[i] = static_cast<uint8_t>(p.int32_data(i));
        break;
      case DType::kI8:
        t.data<int8_t>()[i] = static_cast<int8_t>(p.int32_data(i));
        break;
      case DType::kU16:
        t.data<uint16_t>()[i] = static_cast<uint16_t>(p.int32_data(i));
        break;
      case DType::kI16:
        t.data<int16_t>()[i] = static_cast<int16_t>(p.int32_data(i));
        break;
      case DType::kI32:
        t.data<int32_t>()[i] = p.int32_data(i);
        break;
      case DType::kBool:
        t.data<bool>()[i] = p.int32_data(i) != 0;
        break;
      default:
        return absl::UnimplementedError("dtype");
    }
  }
  return t;
}

bool HaveOnnxNodeTests() {
  return std::filesystem::is_directory(kOnnxNodeTestDir);
}

absl::Status RunOnnxNodeTest(const std::string& name) {
  const std::string dir = absl::StrCat(kOnnxNodeTestDir, "/", name);
  QS_ASSIGN_OR_RETURN(io::OnnxModel model, io::ReadOnnx(dir + "/model.onnx"));
  const std::string data = dir + "/test_data_set_0";
  std::vector<engine::Tensor> inputs, expected;
  for (size_t i = 0; i < model.graph.inputs().size(); ++i) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, ReadTensorProtoFile(absl::StrCat(
                                              data, "/input_", i, ".pb")));
    inputs.push_back(std::move(t));
  }
  for (size_t i = 0; i < model.graph.outputs().size(); ++i) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, ReadTensorProtoFile(absl::StrCat(
                                              data, "/output_", i, ".pb")));
    expected.push_back(std::move(t));
  }
  QS_ASSIGN_OR_RETURN(auto compiled, graph::CompiledGraph::Compile(
                                         model.graph, ops::BuiltinOps()));
  engine::Context ctx({2});
  QS_ASSIGN_OR_RETURN(graph::RunResult r, compiled->Run(ctx, inputs));
  for (size_t o = 0; o < expected.size(); ++o) {
    QS_ASSIGN_OR_RETURN(engine::Tensor got, r.outputs[o].Contiguous());
    const engine::Tensor& want = expected[o];
    if (got.shape() != want.shape() || got.dtype() != want.dtype()) {
      return absl::InternalError(absl::StrCat("output ", o, ": got ",
                                              got.DebugString(), ", want ",
                                              want.DebugString()));
    }
    const bool is_float = engine::DTypeInfo(want.dtype()).is_float;
    for (int64_t i = 0; i < want.numel(); ++i) {
      const double g = ValueAt(got, i), w = ValueAt(want, i);
      const bool ok =
          is_float
              ? (std::isnan(w) ? std::isnan(g)
                               : std::fabs(g - w) <= 1e-7 + 1e-3 * std::fabs(w))
              : g == w;
      if (!ok) {
        return absl::InternalError(absl::StrCat("output ", o, " element ", i,
                                                ": got ", g, ", want ", w));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::ops::testing
