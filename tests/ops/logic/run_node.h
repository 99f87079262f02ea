// Test helper: runs one node of a built-in op on given tensors (all graph
// inputs, any dtype) and returns its outputs or the first error.
#ifndef QUANTSIM_TESTS_OPS_LOGIC_RUN_NODE_H_
#define QUANTSIM_TESTS_OPS_LOGIC_RUN_NODE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/context.h"
#include "engine/status.h"
#include "engine/tensor.h"
#include "graph/executor.h"
#include "ops/registry.h"

namespace quantsim::ops::testing {

inline absl::StatusOr<std::vector<engine::Tensor>> RunNode(
    const std::string& op, const std::vector<engine::Tensor>& inputs,
    graph::Attributes attrs = {}, int num_outputs = 1) {
  graph::Graph g;
  std::vector<graph::ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    QS_ASSIGN_OR_RETURN(graph::ValueId id,
                        g.AddInput("x" + std::to_string(i), inputs[i].dtype(),
                                   inputs[i].shape().dims()));
    ids.push_back(id);
  }
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> outs,
      g.AddNode(op, ids, std::move(attrs), num_outputs, "node"));
  for (graph::ValueId o : outs) QS_RETURN_IF_ERROR(g.AddOutput(o));
  QS_ASSIGN_OR_RETURN(
      std::unique_ptr<graph::CompiledGraph> cg,
      graph::CompiledGraph::Compile(std::move(g), BuiltinOps()));
  engine::Context ctx({2});
  QS_ASSIGN_OR_RETURN(graph::RunResult r, cg->Run(ctx, inputs));
  return r.outputs;
}

template <typename T>
std::vector<T> Values(const engine::Tensor& t) {
  engine::Tensor c = t.Contiguous().value();
  return std::vector<T>(c.data<T>(), c.data<T>() + c.numel());
}

template <typename T>
engine::Tensor Make(std::vector<int64_t> dims, std::vector<T> v) {
  return engine::Tensor::FromVector<T>(engine::Shape(std::move(dims)), v)
      .value();
}

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_LOGIC_RUN_NODE_H_
