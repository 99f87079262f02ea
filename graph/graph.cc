#include "graph/graph.h"

#include <algorithm>
#include <queue>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"

namespace quantsim::graph {

bool ValueType::IsStatic() const {
  if (!has_rank) return false;
  for (int64_t d : dims) {
    if (d < 0) return false;
  }
  return true;
}

std::string ValueType::ToString() const {
  if (!has_rank) return absl::StrCat(engine::DTypeName(dtype), "[*]");
  std::vector<std::string> parts;
  for (int64_t d : dims) parts.push_back(d < 0 ? "?" : absl::StrCat(d));
  return absl::StrCat(engine::DTypeName(dtype), "[", absl::StrJoin(parts, ", "),
                      "]");
}

std::string Node::Describe() const {
  return absl::StrCat(op_type, " '", name, "'");
}

absl::StatusOr<ValueId> Graph::NewValue(const std::string& name,
                                        ValueKind kind) {
  if (name.empty()) return absl::InvalidArgumentError("empty value name");
  if (value_by_name_.count(name) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate value name '", name, "'"));
  }
  const ValueId id = num_values();
  Value v;
  v.name = name;
  v.kind = kind;
  values_.push_back(std::move(v));
  value_by_name_[name] = id;
  return id;
}

absl::StatusOr<ValueId> Graph::AddInput(const std::string& name,
                                        engine::DType dtype,
                                        std::vector<int64_t> dims) {
  for (int64_t d : dims) {
    if (d < -1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", name, "': dimension ", d, " (use -1 for dynamic)"));
    }
  }
  QS_ASSIGN_OR_RETURN(ValueId id, NewValue(name, ValueKind::kInput));
  values_[id].type = ValueType{dtype, std::move(dims), true};
  inputs_.push_back(id);
  return id;
}

namespace {
ValueType TypeOfTensor(const engine::Tensor& t) {
  return ValueType{t.dtype(), t.shape().dims(), true};
}
}  // namespace

absl::StatusOr<ValueId> Graph::AddParameter(const std::string& name,
                                            engine::Tensor data,
                                            bool trainable) {
  if (!data.defined()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", name, "' has no tensor"));
  }
  QS_ASSIGN_OR_RETURN(ValueId id, NewValue(name, ValueKind::kParameter));
  values_[id].type = TypeOfTensor(data);
  values_[id].data = std::move(data);
  values_[id].trainable = trainable;
  return id;
}

absl::StatusOr<ValueId> Graph::AddConstant(const std::string& name,
                                           engine::Tensor data) {
  if (!data.defined()) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant '", name, "' has no tensor"));
  }
  QS_ASSIGN_OR_RETURN(ValueId id, NewValue(name, ValueKind::kConstant));
  values_[id].type = TypeOfTensor(data);
  values_[id].data = std::move(data);
  return id;
}

std::string Graph::UniqueName(const std::string& base) const {
  if (value_by_name_.count(base) == 0 && node_by_name_.count(base) == 0) {
    return base;
  }
  for (int i = 1;; ++i) {
    std::string n = absl::StrCat(base, "_", i);
    if (value_by_name_.count(n) == 0 && node_by_name_.count(n) == 0) return n;
  }
}

absl::StatusOr<std::vector<ValueId>> Graph::AddNode(
    const std::string& op_type, std::vector<ValueId> inputs, Attributes attrs,
    int num_outputs, std::string name, std::vector<std::string> output_names) {
  if (name.empty()) name = UniqueName(absl::StrCat(op_type, "_", num_nodes()));
  if (node_by_name_.count(name) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate node name '", name, "'"));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] != kNoValue && (inputs[i] < 0 || inputs[i] >= num_values())) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_type, " '", name, "': input ", i,
                       " refers to unknown value id ", inputs[i]));
    }
  }
  if (num_outputs < 0 ||
      (!output_names.empty() &&
       static_cast<int>(output_names.size()) != num_outputs)) {
    return absl::InvalidArgumentError(
        absl::StrCat(op_type, " '", name, "': ", output_names.size(),
                     " output names for ", num_outputs, " outputs"));
  }
  for (int i = 0; i < num_outputs; ++i) {
    const std::string out =
        output_names.empty() ? absl::StrCat(name, ":", i) : output_names[i];
    if (value_by_name_.count(out) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          op_type, " '", name, "': output name '", out, "' already used"));
    }
  }
  const NodeId nid = num_nodes();
  Node n;
  n.name = name;
  n.op_type = op_type;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  for (int i = 0; i < num_outputs; ++i) {
    const std::string out =
        output_names.empty() ? absl::StrCat(name, ":", i) : output_names[i];
    QS_ASSIGN_OR_RETURN(ValueId vid, NewValue(out, ValueKind::kIntermediate));
    values_[vid].producer = nid;
    values_[vid].producer_output = i;
    n.outputs.push_back(vid);
  }
  node_by_name_[name] = nid;
  nodes_.push_back(std::move(n));
  return nodes_.back().outputs;
}

absl::Status Graph::AddOutput(ValueId value) {
  if (value < 0 || value >= num_values()) {
    return absl::InvalidArgumentError(
        absl::StrCat("AddOutput: unknown value id ", value));
  }
  if (std::find(outputs_.begin(), outputs_.end(), value) == outputs_.end()) {
    outputs_.push_back(value);
  }
  return absl::OkStatus();
}

absl::Status Graph::SetNodeInput(NodeId node, int index, ValueId value) {
  if (node < 0 || node >= num_nodes()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown node id ", node));
  }
  Node& n = nodes_[node];
  if (index < 0 || index >= static_cast<int>(n.inputs.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(n.Describe(), ": input index ", index, " out of range"));
  }
  if (value != kNoValue && (value < 0 || value >= num_values())) {
    return absl::InvalidArgumentError(
        absl::StrCat(n.Describe(), ": unknown value id ", value));
  }
  n.inputs[index] = value;
  return absl::OkStatus();
}

absl::Status Graph::SetValueData(ValueId value, engine::Tensor data) {
  if (value < 0 || value >= num_values()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown value id ", value));
  }
  Value& v = values_[value];
  if (v.kind != ValueKind::kParameter && v.kind != ValueKind::kConstant) {
    return absl::InvalidArgumentError(
        absl::StrCat("value '", v.name, "' is not a parameter or constant"));
  }
  if (!data.defined() || data.dtype() != v.data.dtype() ||
      data.shape() != v.data.shape()) {
    return absl::InvalidArgumentError(
        absl::StrCat("value '", v.name, "': new tensor ", data.DebugString(),
                     " does not match ", v.type.ToString()));
  }
  v.data = std::move(data);
  return absl::OkStatus();
}

std::vector<ValueId> Graph::Parameters() const {
  std::vector<ValueId> out;
  for (ValueId i = 0; i < num_values(); ++i) {
    if (values_[i].kind == ValueKind::kParameter) out.push_back(i);
  }
  return out;
}

absl::StatusOr<ValueId> Graph::FindValue(const std::string& name) const {
  auto it = value_by_name_.find(name);
  if (it == value_by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no value named '", name, "'"));
  }
  return it->second;
}

absl::StatusOr<NodeId> Graph::FindNode(const std::string& name) const {
  auto it = node_by_name_.find(name);
  if (it == node_by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no node named '", name, "'"));
  }
  return it->second;
}

std::vector<std::vector<std::pair<NodeId, int>>> Graph::Consumers() const {
  std::vector<std::vector<std::pair<NodeId, int>>> out(values_.size());
  for (NodeId n = 0; n < num_nodes(); ++n) {
    const Node& node = nodes_[n];
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (node.inputs[i] != kNoValue) out[node.inputs[i]].push_back({n, i});
    }
  }
  return out;
}

absl::StatusOr<std::vector<NodeId>> Graph::TopologicalOrder() const {
  // Kahn's algorithm with a min-heap on node id: insertion order is kept
  // whenever dependencies allow it.
  std::vector<int> pending(nodes_.size(), 0);
  const auto consumers = Consumers();
  for (NodeId n = 0; n < num_nodes(); ++n) {
    for (ValueId in : nodes_[n].inputs) {
      if (in != kNoValue && values_[in].producer >= 0) ++pending[n];
    }
  }
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<NodeId>> ready;
  for (NodeId n = 0; n < num_nodes(); ++n) {
    if (pending[n] == 0) ready.push(n);
  }
  std::vector<NodeId> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    const NodeId n = ready.top();
    ready.pop();
    order.push_back(n);
    for (ValueId out : nodes_[n].outputs) {
      for (const auto& [c, idx] : consumers[out]) {
        if (--pending[c] == 0) ready.push(c);
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (NodeId n = 0; n < num_nodes(); ++n) {
      if (pending[n] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("graph has a cycle through ", nodes_[n].Describe()));
      }
    }
  }
  return order;
}

}  // namespace quantsim::graph
