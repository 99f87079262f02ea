#include "graph/autograd.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "graph/shape_inference.h"

namespace quantsim::graph {
namespace {

class NodeGradBuilder final : public GradBuilder {
 public:
  NodeGradBuilder(Graph& g, NodeId id, const OpRegistry& registry,
                  const std::vector<ValueId>& grad_of,
                  const std::vector<bool>& depends_on_wrt)
      : g_(g),
        node_(g.node(id)),
        registry_(registry),
        grad_of_(grad_of),
        depends_on_wrt_(depends_on_wrt),
        input_grads_(g.node(id).inputs.size(), kNoValue) {}

  // A copy: Emit grows the graph, which may move its nodes.
  const Node& node() const override { return node_; }
  ValueId input(int i) const override { return node().inputs[i]; }
  ValueId output(int i) const override { return node().outputs[i]; }
  const ValueType& input_type(int i) const override {
    return g_.value(node().inputs[i]).type;
  }
  ValueId output_grad(int i) const override {
    return grad_of_[node().outputs[i]];
  }
  bool needs_input_grad(int i) const override {
    const ValueId v = node().inputs[i];
    return v != kNoValue && depends_on_wrt_[v];
  }
  absl::StatusOr<std::vector<ValueId>> Emit(const std::string& op_type,
                                            std::vector<ValueId> inputs,
                                            Attributes attrs,
                                            int num_outputs) override {
    const std::string name =
        g_.UniqueName(absl::StrCat(node().name, "/grad/", op_type));
    QS_ASSIGN_OR_RETURN(std::vector<ValueId> outs,
                        g_.AddNode(op_type, std::move(inputs), std::move(attrs),
                                   num_outputs, name));
    QS_RETURN_IF_ERROR(InferNode(g_, g_.num_nodes() - 1, registry_));
    return outs;
  }
  absl::StatusOr<ValueId> Scalar(float value) override {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, engine::Tensor::FromVector<float>(
                                              engine::Shape(), {value}));
    return Constant(std::move(t));
  }
  absl::StatusOr<ValueId> Constant(engine::Tensor value) override {
    return g_.AddConstant(
        g_.UniqueName(absl::StrCat(node().name, "/grad/const")),
        std::move(value));
  }
  void SetInputGrad(int i, ValueId grad) override { input_grads_[i] = grad; }
  const std::vector<ValueId>& input_grads() const { return input_grads_; }

 private:
  Graph& g_;
  const Node node_;
  const OpRegistry& registry_;
  const std::vector<ValueId>& grad_of_;
  const std::vector<bool>& depends_on_wrt_;
  std::vector<ValueId> input_grads_;
};

}  // namespace

absl::StatusOr<BackwardGraph> BuildBackward(const Graph& forward, ValueId loss,
                                            const std::vector<ValueId>& wrt,
                                            const OpRegistry& registry) {
  BackwardGraph out{forward, {}};
  Graph& g = out.graph;
  if (loss < 0 || loss >= g.num_values()) {
    return absl::InvalidArgumentError("BuildBackward: unknown loss value");
  }
  QS_RETURN_IF_ERROR(InferShapes(g, registry));
  QS_ASSIGN_OR_RETURN(std::vector<NodeId> order, g.TopologicalOrder());
  const int num_forward_values = g.num_values();

  // Values that depend on some wrt value.
  std::vector<bool> depends(num_forward_values, false);
  for (ValueId w : wrt) {
    if (w < 0 || w >= num_forward_values) {
      return absl::InvalidArgumentError("BuildBackward: unknown wrt value");
    }
    depends[w] = true;
  }
  for (NodeId id : order) {
    const Node& n = g.node(id);
    bool any = false;
    for (ValueId in : n.inputs) any = any || (in != kNoValue && depends[in]);
    if (any) {
      for (ValueId o : n.outputs) depends[o] = true;
    }
  }

  const ValueType& loss_type = g.value(loss).type;
  if (!loss_type.IsStatic() || loss_type.dtype != engine::DType::kF32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BuildBackward: loss '", g.value(loss).name,
        "' must be f32 with a static shape, is ", loss_type.ToString()));
  }
  QS_ASSIGN_OR_RETURN(
      engine::Tensor ones,
      engine::Tensor::Empty(engine::Shape(loss_type.dims), loss_type.dtype));
  for (int64_t i = 0; i < ones.numel(); ++i) ones.data<float>()[i] = 1.0f;
  std::vector<ValueId> grad_of(num_forward_values, kNoValue);
  QS_ASSIGN_OR_RETURN(
      grad_of[loss],
      g.AddConstant(g.UniqueName(g.value(loss).name + "/grad_seed"), ones));

  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodeId id = *it;
    bool has_output_grad = false;
    for (ValueId o : g.node(id).outputs) {
      has_output_grad = has_output_grad || grad_of[o] != kNoValue;
    }
    bool needs = false;
    for (ValueId in : g.node(id).inputs) {
      needs = needs || (in != kNoValue && depends[in]);
    }
    if (!has_output_grad || !needs) continue;
    QS_ASSIGN_OR_RETURN(const OpDef* def, registry.Find(g.node(id).op_type));
    if (!def->differentiable) {
      return absl::UnimplementedError(absl::StrCat(
          g.node(id).Describe(),
          " is not differentiable but a gradient must flow through it"));
    }
    NodeGradBuilder builder(g, id, registry, grad_of, depends);
    QS_RETURN_IF_ERROR(def->backward(builder));
    // A copy: AddNode below may grow g's node vector (a reference into it
    // would dangle; ThreadSanitizer reported the heap-use-after-free).
    const std::vector<ValueId> inputs = g.node(id).inputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ValueId in = inputs[i];
      const ValueId gin = builder.input_grads()[i];
      if (in == kNoValue || gin == kNoValue || !depends[in]) continue;
      if (grad_of[in] == kNoValue) {
        grad_of[in] = gin;
      } else {
        QS_ASSIGN_OR_RETURN(
            std::vector<ValueId> sum,
            g.AddNode("Add", {grad_of[in], gin}, {}, 1,
                      g.UniqueName(g.value(in).name + "/grad_acc")));
        QS_RETURN_IF_ERROR(InferNode(g, g.num_nodes() - 1, registry));
        grad_of[in] = sum[0];
      }
    }
  }
  for (ValueId w : wrt) out.grads.push_back(grad_of[w]);
  return out;
}

}  // namespace quantsim::graph
