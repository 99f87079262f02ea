// ONNX writer: graph::Graph -> ModelProto (see export/onnx.h).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "export/onnx_tensor.h"
#include "graph/shape_inference.h"
#include "ops/registry.h"

namespace quantsim::io {
namespace {

using graph::Graph;
using graph::ValueId;

constexpr int kMinWriteOpset = 7;
// Nodes of ops the registry does not know are in the newest forms the reader
// upgrades to; they are written at this opset (what ONNX 1.12, Debian's,
// checks).
constexpr int kUnknownOpOpset = 17;

// The IR version that goes with a default-domain opset (onnx/helper.py's
// VERSION_TABLE).
int64_t IrVersionFor(int opset) {
  if (opset <= 8) return 3;
  if (opset == 9) return 4;
  if (opset == 10) return 5;
  if (opset == 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

void SetValueInfo(const graph::Value& v, const OnnxWriteOptions& options,
                  onnx::ValueInfoProto* info) {
  info->set_name(v.name);
  auto* tt = info->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(DTypeToOnnx(v.type.dtype));
  if (!v.type.has_rank) return;
  auto* shape = tt->mutable_shape();
  auto params = options.dim_params.find(v.name);
  for (size_t i = 0; i < v.type.dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (v.type.dims[i] >= 0) {
      d->set_dim_value(v.type.dims[i]);
    } else if (params != options.dim_params.end() &&
               i < params->second.size() && !params->second[i].empty()) {
      d->set_dim_param(params->second[i]);
    } else {
      d->set_dim_param(absl::StrCat(v.name, "_dim", i));
    }
  }
}

absl::StatusOr<onnx::ModelProto> BuildModel(const Graph& source,
                                            const OnnxWriteOptions& options) {
  const graph::OpRegistry& registry =
      options.registry != nullptr ? *options.registry : ops::BuiltinOps();
  // Output types come from shape inference when every op is known; else
  // from what the graph already holds.
  Graph graph = source;
  (void)graph::InferShapes(graph, registry);
  QS_ASSIGN_OR_RETURN(std::vector<graph::NodeId> order,
                      source.TopologicalOrder());

  onnx::ModelProto m;
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name(options.graph_name);
  int opset = kMinWriteOpset;
  std::map<std::string, int> domains;  // custom domain -> version
  std::set<std::string> node_names;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    node_names.insert(graph.node(i).name);
  }

  // Constants as Constant nodes (initializers are read back as parameters).
  for (ValueId id = 0; id < graph.num_values(); ++id) {
    const graph::Value& v = graph.value(id);
    if (v.kind != graph::ValueKind::kConstant) continue;
    std::string name = v.name;
    for (int k = 1; node_names.count(name) > 0; ++k) {
      name = absl::StrCat(v.name, "_const", k);
    }
    node_names.insert(name);
    onnx::NodeProto* n = g->add_node();
    n->set_name(name);
    n->set_op_type("Constant");
    n->add_output(v.name);
    QS_RETURN_IF_ERROR(
        AttrToProto("value", graph::AttrValue(v.data), n->add_attribute()));
  }
  for (graph::NodeId nid : order) {
    const graph::Node& node = graph.node(nid);
    onnx::NodeProto* n = g->add_node();
    n->set_name(node.name);
    absl::StatusOr<const graph::OpDef*> def = registry.Find(node.op_type);
    if (def.ok()) {
      const graph::OnnxOpInfo& info = (*def)->onnx;
      if (info.op_type.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(node.Describe(),
                         ": quantsim-internal op with no ONNX form; "
                         "lower or remove it before writing ONNX"));
      }
      n->set_op_type(info.op_type);
      if (info.domain.empty() || info.domain == "ai.onnx") {
        opset = std::max(opset, info.min_opset);
      } else {
        n->set_domain(info.domain);
        int& v = domains[info.domain];
        v = std::max({v, info.min_opset, 1});
      }
    } else {  // an op we kept but do not know: "<domain>.<op>" or "<op>"
      const size_t dot = node.op_type.rfind('.');
      if (dot == std::string::npos) {
        n->set_op_type(node.op_type);
        opset = std::max(opset, kUnknownOpOpset);
      } else {
        n->set_domain(node.op_type.substr(0, dot));
        n->set_op_type(node.op_type.substr(dot + 1));
        int& v = domains[n->domain()];
        v = std::max(v, 1);
      }
    }
    size_t num_inputs = node.inputs.size();
    while (num_inputs > 0 && node.inputs[num_inputs - 1] == graph::kNoValue) {
      --num_inputs;
    }
    for (size_t i = 0; i < num_inputs; ++i) {
      n->add_input(node.inputs[i] == graph::kNoValue
                       ? std::string()
                       : graph.value(node.inputs[i]).name);
    }
    for (ValueId o : node.outputs) n->add_output(graph.value(o).name);
    for (const auto& [name, value] : node.attrs.values()) {
      QS_RETURN_IF_ERROR(AttrToProto(name, value, n->add_attribute()));
    }
  }
  for (ValueId id = 0; id < graph.num_values(); ++id) {
    const graph::Value& v = graph.value(id);
    if (v.kind != graph::ValueKind::kParameter) continue;
    QS_RETURN_IF_ERROR(TensorToProto(v.data, v.name, g->add_initializer()));
  }
  for (ValueId id : graph.inputs()) {
    SetValueInfo(graph.value(id), options, g->add_input());
  }
  for (ValueId id : graph.outputs()) {
    SetValueInfo(graph.value(id), options, g->add_output());
  }
  if (options.opset > 0) opset = options.opset;
  m.set_ir_version(IrVersionFor(opset));
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  for (const auto& [domain, version] : domains) {
    auto* d = m.add_opset_import();
    d->set_domain(domain);
    d->set_version(version);
  }
  m.set_producer_name(options.producer_name);
  m.set_producer_version(options.producer_version);
  return m;
}

}  // namespace

absl::StatusOr<std::string> SerializeOnnx(const graph::Graph& graph,
                                          const OnnxWriteOptions& options) {
  QS_ASSIGN_OR_RETURN(onnx::ModelProto m, BuildModel(graph, options));
  if (m.ByteSizeLong() > static_cast<size_t>(INT_MAX)) {
    return absl::UnimplementedError(
        "model larger than 2 GiB: external data writing is not implemented");
  }
  std::string bytes;
  if (!m.SerializeToString(&bytes)) {
    return absl::InternalError("ONNX serialization failed");
  }
  return bytes;
}

absl::Status WriteOnnx(const graph::Graph& graph, const std::string& path,
                       const OnnxWriteOptions& options) {
  QS_ASSIGN_OR_RETURN(std::string bytes, SerializeOnnx(graph, options));
  return engine::WriteFileAtomic(path, bytes);
}

}  // namespace quantsim::io
