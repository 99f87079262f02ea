// quantsim graph: shape and dtype inference over a whole graph.
//
// Contract: InferShapes visits nodes in topological order, checks each node
// against its OpDef (arity, attribute types) and sets every node output's
// ValueType from the op's `infer`. Dims unknown until run time stay -1.
// Errors: Unimplemented for an unknown op type, InvalidArgument naming the
// node for bad arity, attributes or input shapes.
#ifndef QUANTSIM_GRAPH_SHAPE_INFERENCE_H_
#define QUANTSIM_GRAPH_SHAPE_INFERENCE_H_

#include "absl/status/status.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

namespace quantsim::graph {

absl::Status InferShapes(Graph& graph, const OpRegistry& registry);

// Infers one node (its inputs must already be typed).
absl::Status InferNode(Graph& graph, NodeId node, const OpRegistry& registry);

}  // namespace quantsim::graph

#endif  // QUANTSIM_GRAPH_SHAPE_INFERENCE_H_
