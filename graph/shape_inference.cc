#include "graph/shape_inference.h"

#include "absl/strings/str_cat.h"
#include "engine/status.h"

namespace quantsim::graph {

absl::Status InferNode(Graph& graph, NodeId id, const OpRegistry& registry) {
  const Node& node = graph.node(id);
  absl::StatusOr<const OpDef*> def = registry.Find(node.op_type);
  if (!def.ok()) {
    return absl::UnimplementedError(
        absl::StrCat(node.Describe(), ": ", def.status().message()));
  }
  QS_RETURN_IF_ERROR((*def)->Validate(node));
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] != kNoValue &&
        !graph.value(node.inputs[i]).type.has_rank &&
        graph.value(node.inputs[i]).kind != ValueKind::kIntermediate) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": input ", i, " '",
                       graph.value(node.inputs[i]).name, "' has no type"));
    }
  }
  std::vector<ValueType> outputs(node.outputs.size());
  InferContext ctx(graph, node, &outputs);
  QS_RETURN_IF_ERROR((*def)->infer(ctx));
  for (size_t i = 0; i < outputs.size(); ++i) {
    graph.mutable_value(node.outputs[i]).type = std::move(outputs[i]);
  }
  return absl::OkStatus();
}

absl::Status InferShapes(Graph& graph, const OpRegistry& registry) {
  QS_ASSIGN_OR_RETURN(std::vector<NodeId> order, graph.TopologicalOrder());
  for (NodeId id : order) QS_RETURN_IF_ERROR(InferNode(graph, id, registry));
  return absl::OkStatus();
}

}  // namespace quantsim::graph
