// quantsim graph: symbolic reverse-mode autograd.
//
// Contract: BuildBackward(forward, loss, wrt) returns a new graph holding the
// forward nodes plus gradient nodes emitted once by each op's `backward`
// (see OpDef), and, for each value in `wrt`, the value holding d loss / d
// wrt (kNoValue when the loss does not depend on it). Training compiles the
// result once and replays it every step, fetching the gradient values.
//  - The loss must have a static shape; its gradient is seeded with ones.
//  - Gradients of values with several consumers accumulate through explicit
//    "Add" nodes (so the registry must define Add).
//  - Only nodes on a path from `wrt` to `loss` get gradient nodes; ops may
//    ask GradBuilder::needs_input_grad to skip the others.
//  - Unimplemented naming the node when a node on the path is marked
//    non-differentiable but a gradient must flow through one of its inputs.
#ifndef QUANTSIM_GRAPH_AUTOGRAD_H_
#define QUANTSIM_GRAPH_AUTOGRAD_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

namespace quantsim::graph {

struct BackwardGraph {
  Graph graph;                 // forward + backward nodes, types inferred
  std::vector<ValueId> grads;  // per wrt entry
};

absl::StatusOr<BackwardGraph> BuildBackward(const Graph& forward, ValueId loss,
                                            const std::vector<ValueId>& wrt,
                                            const OpRegistry& registry);

}  // namespace quantsim::graph

#endif  // QUANTSIM_GRAPH_AUTOGRAD_H_
