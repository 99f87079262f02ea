// Writes models with WriteOnnx for the checks that run outside C++
// (onnx.checker, the quantsim CLI): OUTDIR/digits_cnn.onnx and
// digits_cnn_bn.onnx (read from DATADIR, written back), identity.onnx (a
// graph of ops in the registry, with a constant and a dynamic batch) and
// softmax11.onnx (an opset-11 Softmax upgraded to Shape, Flatten, Softmax,
// Reshape).
// Usage: write_models DATADIR OUTDIR
#include <cstdio>
#include <string>

#include "export/onnx.h"
#include "graph/graph.h"
#include "tests/export/onnx_test_util.h"

namespace quantsim::io {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "write_models: %s\n", s.ToString().c_str());
  return 1;
}

int Main(const std::string& data, const std::string& out) {
  for (const char* name : {"digits_cnn.onnx", "digits_cnn_bn.onnx"}) {
    absl::StatusOr<OnnxModel> m = ReadOnnx(data + "/" + name);
    if (!m.ok()) return Fail(m.status());
    OnnxWriteOptions wo;
    wo.dim_params = m->dim_params;
    absl::Status s = WriteOnnx(m->graph, out + "/" + name, wo);
    if (!s.ok()) return Fail(s);
  }
  graph::Graph g;
  auto x = g.AddInput("x", engine::DType::kF32, {-1, 1, 8, 8});
  auto y = g.AddNode("Identity", {*x}, {}, 1, "id1", {"x_copy"});
  auto z = g.AddNode("Identity", {(*y)[0]}, {}, 1, "id2", {"y"});
  if (!z.ok()) return Fail(z.status());
  absl::Status s = g.AddOutput((*z)[0]);
  if (s.ok()) s = WriteOnnx(g, out + "/identity.onnx");
  if (!s.ok()) return Fail(s);

  onnx::ModelProto sm = testing::MakeModel(11, {-1, 3, 4});
  // Graph outputs need a shape for onnx 1.12's checker.
  auto* oshape = sm.mutable_graph()
                     ->mutable_output(0)
                     ->mutable_type()
                     ->mutable_tensor_type()
                     ->mutable_shape();
  oshape->add_dim()->set_dim_param("N");
  oshape->add_dim()->set_dim_value(3);
  oshape->add_dim()->set_dim_value(4);
  testing::AddIntAttr(testing::AddNode(sm, "Softmax", "sm", {"x"}, {"y"}),
                      "axis", 1);
  absl::StatusOr<OnnxModel> up = ParseOnnx(testing::Bytes(sm), "softmax11");
  if (!up.ok()) return Fail(up.status());
  s = WriteOnnx(up->graph, out + "/softmax11.onnx");
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace
}  // namespace quantsim::io

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATADIR OUTDIR\n", argv[0]);
    return 2;
  }
  return quantsim::io::Main(argv[1], argv[2]);
}
