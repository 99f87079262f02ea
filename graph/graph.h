// quantsim graph: the IR — values, nodes and the graph that owns them.
//
// Contract:
//  - A Graph owns Values (typed, possibly dynamically shaped: a dim of -1 is
//    resolved at run time) and Nodes (an op type, attributes, input and
//    output value ids). Value and node names are unique; encodings and
//    checkpoints are keyed by them.
//  - Values are graph inputs, parameters (tensors that optimizers update in
//    place; `trainable` says whether autograd differentiates them),
//    constants, or node outputs. kNoValue marks a missing optional input.
//  - AddNode only references existing values, so graphs built through this
//    API are acyclic; TopologicalOrder still checks (importers may rewire).
//  - Every mutator returns a Status naming the node or value at fault. The
//    graph is a plain value: copy it to edit a variant (tensors are shared).
#ifndef QUANTSIM_GRAPH_GRAPH_H_
#define QUANTSIM_GRAPH_GRAPH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/dtype.h"
#include "engine/tensor.h"
#include "graph/attributes.h"

namespace quantsim::graph {

using ValueId = int32_t;
using NodeId = int32_t;
inline constexpr ValueId kNoValue = -1;

enum class ValueKind { kInput, kParameter, kConstant, kIntermediate };

// Element type and (possibly partial) shape of a value. dims[i] == -1 is a
// dimension known only at run time; has_rank == false: rank unknown.
struct ValueType {
  engine::DType dtype = engine::DType::kF32;
  std::vector<int64_t> dims;
  bool has_rank = false;

  bool IsStatic() const;
  std::string ToString() const;  // "f32[?, 1, 8, 8]"
};

struct Value {
  std::string name;
  ValueKind kind = ValueKind::kIntermediate;
  ValueType type;
  engine::Tensor data;     // parameters and constants
  bool trainable = false;  // parameters only
  NodeId producer = -1;
  int producer_output = -1;
};

struct Node {
  std::string name;
  std::string op_type;
  std::vector<ValueId> inputs;  // kNoValue for a missing optional input
  std::vector<ValueId> outputs;
  Attributes attrs;

  // "Conv 'conv1'", for messages.
  std::string Describe() const;
};

class Graph {
 public:
  absl::StatusOr<ValueId> AddInput(const std::string& name, engine::DType dtype,
                                   std::vector<int64_t> dims);
  absl::StatusOr<ValueId> AddParameter(const std::string& name,
                                       engine::Tensor data,
                                       bool trainable = true);
  absl::StatusOr<ValueId> AddConstant(const std::string& name,
                                      engine::Tensor data);
  // Adds a node with `num_outputs` new outputs named `output_names` (or
  // "<node name>:<i>" when empty). An empty `name` becomes "<op_type>_<n>".
  absl::StatusOr<std::vector<ValueId>> AddNode(
      const std::string& op_type, std::vector<ValueId> inputs,
      Attributes attrs = {}, int num_outputs = 1, std::string name = "",
      std::vector<std::string> output_names = {});
  absl::Status AddOutput(ValueId value);

  // Rewires input `index` of `node` to `value` (graph edits, QDQ insertion).
  absl::Status SetNodeInput(NodeId node, int index, ValueId value);
  // Replaces a parameter's or constant's tensor (same dtype and shape).
  absl::Status SetValueData(ValueId value, engine::Tensor data);

  int num_values() const { return static_cast<int>(values_.size()); }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  const Value& value(ValueId id) const { return values_[id]; }
  Value& mutable_value(ValueId id) { return values_[id]; }
  const Node& node(NodeId id) const { return nodes_[id]; }
  Node& mutable_node(NodeId id) { return nodes_[id]; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  std::vector<ValueId> Parameters() const;

  absl::StatusOr<ValueId> FindValue(const std::string& name) const;
  absl::StatusOr<NodeId> FindNode(const std::string& name) const;

  // For each value, the (node, input index) pairs that read it.
  std::vector<std::vector<std::pair<NodeId, int>>> Consumers() const;
  // Nodes ordered so that producers come before consumers; stable (keeps
  // insertion order where possible). InvalidArgument naming a node on a
  // cycle.
  absl::StatusOr<std::vector<NodeId>> TopologicalOrder() const;

  // A name not used by any value or node, built from `base`.
  std::string UniqueName(const std::string& base) const;

 private:
  absl::StatusOr<ValueId> NewValue(const std::string& name, ValueKind kind);

  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  absl::flat_hash_map<std::string, ValueId> value_by_name_;
  absl::flat_hash_map<std::string, NodeId> node_by_name_;
};

}  // namespace quantsim::graph

#endif  // QUANTSIM_GRAPH_GRAPH_H_
