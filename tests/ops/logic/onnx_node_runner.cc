#include "tests/ops/logic/onnx_node_runner.h"

#include <onnx/onnx_pb.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/context.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace quantsim::ops::testing {
namespace {

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

template <typename T, typename F>
void FillFrom(engine::Tensor& t, int n, F get) {
  T* p = t.data<T>();
  for (int i = 0; i < n; ++i) p[i] = static_cast<T>(get(i));
}

double AsDouble(const engine::Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case engine::DType::kF32:
      return t.data<float>()[i];
    case engine::DType::kF64:
      return t.data<double>()[i];
    case engine::DType::kI8:
      return t.data<int8_t>()[i];
    case engine::DType::kU8:
      return t.data<uint8_t>()[i];
    case engine::DType::kI16:
      return t.data<int16_t>()[i];
    case engine::DType::kU16:
      return t.data<uint16_t>()[i];
    case engine::DType::kI32:
      return t.data<int32_t>()[i];
    case engine::DType::kU32:
      return t.data<uint32_t>()[i];
    case engine::DType::kI64:
      return static_cast<double>(t.data<int64_t>()[i]);
    case engine::DType::kBool:
      return t.data<bool>()[i];
    default:
      return std::nan("");
  }
}

}  // namespace

std::string NodeTestRoot() {
  if (const char* env = std::getenv("ONNX_NODE_TEST_DIR")) return env;
  const std::string dflt = "/usr/share/libonnx-testdata/data/node";
  return Exists(dflt) ? dflt : "";
}

absl::StatusOr<engine::Tensor> ReadTensorProto(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  onnx::TensorProto p;
  if (!p.ParseFromString(ss.str())) {
    return absl::DataLossError("cannot parse " + path);
  }
  QS_ASSIGN_OR_RETURN(engine::DType dt, DTypeFromOnnx(p.data_type()));
  std::vector<int64_t> dims(p.dims().begin(), p.dims().end());
  QS_ASSIGN_OR_RETURN(engine::Tensor t,
                      engine::Tensor::Empty(engine::Shape(dims), dt));
  const int64_t n = t.numel();
  if (!p.raw_data().empty()) {
    if (p.raw_data().size() != t.nbytes()) {
      return absl::DataLossError(path + ": raw_data size mismatch");
    }
    std::memcpy(t.raw_data(), p.raw_data().data(), t.nbytes());
    return t;
  }
  auto check = [&](int have) -> absl::Status {
    if (have != n) return absl::DataLossError(path + ": element count");
    return absl::OkStatus();
  };
  switch (dt) {
    case engine::DType::kF32:
      QS_RETURN_IF_ERROR(check(p.float_data_size()));
      FillFrom<float>(t, n, [&](int i) { return p.float_data(i); });
      break;
    case engine::DType::kF64:
      QS_RETURN_IF_ERROR(check(p.double_data_size()));
      FillFrom<double>(t, n, [&](int i) { return p.double_data(i); });
      break;
    case engine::DType::kI64:
      QS_RETURN_IF_ERROR(check(p.int64_data_size()));
      FillFrom<int64_t>(t, n, [&](int i) { return p.int64_data(i); });
      break;
    case engine::DType::kU32:
      QS_RETURN_IF_ERROR(check(p.uint64_data_size()));
      FillFrom<uint32_t>(t, n, [&](int i) { return p.uint64_data(i); });
      break;
    case engine::DType::kI32:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<int32_t>(t, n, [&](int i) { return p.int32_data(i); });
      break;
    case engine::DType::kI16:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<int16_t>(t, n, [&](int i) { return p.int32_data(i); });
      break;
    case engine::DType::kU16:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<uint16_t>(t, n, [&](int i) { return p.int32_data(i); });
      break;
    case engine::DType::kI8:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<int8_t>(t, n, [&](int i) { return p.int32_data(i); });
      break;
    case engine::DType::kU8:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<uint8_t>(t, n, [&](int i) { return p.int32_data(i); });
      break;
    case engine::DType::kBool:
      QS_RETURN_IF_ERROR(check(p.int32_data_size()));
      FillFrom<bool>(t, n, [&](int i) { return p.int32_data(i) != 0; });
      break;
    default:
      return absl::UnimplementedError(path + ": dtype not handled");
  }
  return t;
}

absl::Status RunNodeTest(const std::string& dir) {
  QS_ASSIGN_OR_RETURN(io::OnnxModel model, io::ReadOnnx(dir + "/model.onnx"));
  const std::string data = dir + "/test_data_set_0/";
  std::vector<engine::Tensor> inputs;
  for (size_t i = 0; i < model.graph.inputs().size(); ++i) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, ReadTensorProto(absl::StrCat(
                                              data, "input_", i, ".pb")));
    inputs.push_back(std::move(t));
  }
  const size_t n_out = model.graph.outputs().size();
  QS_ASSIGN_OR_RETURN(
      std::unique_ptr<graph::CompiledGraph> cg,
      graph::CompiledGraph::Compile(std::move(model.graph), BuiltinOps()));
  engine::Context ctx({2});
  QS_ASSIGN_OR_RETURN(graph::RunResult run, cg->Run(ctx, inputs));
  for (size_t k = 0; k < n_out; ++k) {
    QS_ASSIGN_OR_RETURN(engine::Tensor want, ReadTensorProto(absl::StrCat(
                                                 data, "output_", k, ".pb")));
    QS_ASSIGN_OR_RETURN(engine::Tensor got, run.outputs[k].Contiguous());
    if (got.dtype() != want.dtype() || got.shape() != want.shape()) {
      return absl::InternalError(absl::StrCat(
          "output ", k, ": got ", engine::DTypeName(got.dtype()),
          got.shape().ToString(), ", want ", engine::DTypeName(want.dtype()),
          want.shape().ToString()));
    }
    const bool fp = engine::DTypeInfo(want.dtype()).is_float;
    for (int64_t i = 0; i < want.numel(); ++i) {
      const double g = AsDouble(got, i), w = AsDouble(want, i);
      const bool same = fp ? ((std::isnan(g) && std::isnan(w)) || g == w ||
                              std::fabs(g - w) <= 1e-7 + 1e-3 * std::fabs(w))
                           : g == w;
      if (!same) {
        return absl::InternalError(absl::StrCat("output ", k, " element ", i,
                                                ": got ", g, ", want ", w));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::ops::testing
