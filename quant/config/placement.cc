// PlaceQuantizers: the config application order of spec §4.2 on a graph.
#include "quant/config/placement.h"

#include <string>
#include <utility>
#include <vector>

#include "engine/dtype.h"
#include "engine/status.h"

namespace quantsim::quant {
namespace {

using graph::Graph;
using graph::Node;
using graph::NodeId;
using graph::ValueId;
using graph::ValueKind;

// One quantizer's state while the config is applied.
struct Q {
  bool exists = false;
  bool enabled = false;
  bool symmetric = false;
  std::string param_name;  // kParam only
  std::optional<EncodingConstraints> constraints;
};

// Quantizer states of one node: by input index, by output index.
struct NodeQ {
  std::vector<Q> in;     // input quantizer (kInput)
  std::vector<Q> param;  // param quantizer (kParam)
  std::vector<Q> out;    // output quantizer (kOutput)
};

bool IsFloat(const Graph& g, ValueId v) {
  return engine::DTypeInfo(g.value(v).type.dtype).is_float;
}

const OpTypeConfig* FindOpType(const QuantSimConfig& c, const Node& n) {
  auto it = c.op_type.find(n.op_type);
  return it == c.op_type.end() ? nullptr : &it->second;
}

class Placer {
 public:
  Placer(const Graph& g, const QuantSimConfig& c)
      : g_(g), c_(c), consumers_(g.Consumers()), q_(g.num_nodes()) {}

  void Create() {
    for (NodeId n = 0; n < g_.num_nodes(); ++n) {
      const Node& node = g_.node(n);
      NodeQ& nq = q_[n];
      nq.in.resize(node.inputs.size());
      nq.param.resize(node.inputs.size());
      nq.out.resize(node.outputs.size());
      for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
        const ValueId v = node.inputs[i];
        if (v == graph::kNoValue || !IsFloat(g_, v)) continue;
        const ValueKind kind = g_.value(v).kind;
        const absl::string_view name = ParamNameForInput(node.op_type, i);
        if (!name.empty() &&
            (kind == ValueKind::kParameter || kind == ValueKind::kConstant)) {
          nq.param[i].exists = true;
          nq.param[i].param_name = std::string(name);
        } else {
          nq.in[i].exists = true;
        }
      }
      for (int o = 0; o < static_cast<int>(node.outputs.size()); ++o) {
        nq.out[o].exists = IsFloat(g_, node.outputs[o]);
      }
    }
  }

  // defaults -> params.<name> -> op_type (except output "False").
  void ApplyOpSettings() {
    const DefaultsConfig& d = c_.defaults;
    for (NodeId n = 0; n < g_.num_nodes(); ++n) {
      const Node& node = g_.node(n);
      NodeQ& nq = q_[n];
      const bool data_movement = IsDataMovementOp(node.op_type);
      for (Q& q : nq.in) q.symmetric = d.ops_is_symmetric.value_or(false);
      for (Q& q : nq.out) {
        q.enabled = d.ops_is_output_quantized.value_or(false) && !data_movement;
        q.symmetric = d.ops_is_symmetric.value_or(false);
      }
      for (Q& q : nq.param) {
        if (!q.exists) continue;
        ApplyParam(d.params, &q);
        auto it = c_.params.find(q.param_name);
        if (it != c_.params.end()) ApplyParam(it->second, &q);
      }
      const OpTypeConfig* op = FindOpType(c_, node);
      if (op == nullptr) continue;
      if (op->is_symmetric.has_value()) {
        for (Q& q : nq.in) q.symmetric = *op->is_symmetric;
        for (Q& q : nq.out) q.symmetric = *op->is_symmetric;
      }
      if (op->is_input_quantized == true) {
        for (Q& q : nq.in) q.enabled = true;
      }
      if (op->is_output_quantized == true) {
        for (Q& q : nq.out) q.enabled = true;
      }
      for (Q& q : nq.out) q.constraints = op->encoding_constraints;
      for (Q& q : nq.param) {
        auto it = op->params.find(q.param_name);
        if (q.exists && it != op->params.end()) ApplyParam(it->second, &q);
      }
    }
    // is_output_quantized "False": the tensor is not quantized anywhere.
    for (NodeId n = 0; n < g_.num_nodes(); ++n) {
      const OpTypeConfig* op = FindOpType(c_, g_.node(n));
      if (op == nullptr || op->is_output_quantized != false) continue;
      for (ValueId v : g_.node(n).outputs) DisableTensor(v);
    }
  }

  void ApplySupergroups() {
    for (const Supergroup& sg : c_.supergroups) {
      for (NodeId first = 0; first < g_.num_nodes(); ++first) {
        std::vector<NodeId> chain;
        if (!MatchChain(first, sg.op_list, &chain)) continue;
        for (size_t k = 0; k < chain.size(); ++k) {
          NodeQ& nq = q_[chain[k]];
          if (k + 1 < chain.size()) {
            for (Q& q : nq.out) q.enabled = false;
          }
          if (k > 0) {
            for (Q& q : nq.in) q.enabled = false;
          }
        }
      }
    }
    // Scale-foldable BN: the conv's output quantizer moves to the BN.
    for (NodeId n = 0; n < g_.num_nodes(); ++n) {
      const std::string& t = g_.node(n).op_type;
      if (t != "Conv" && t != "ConvTranspose" && t != "Gemm") continue;
      NodeId bn = SoleConsumer(n);
      if (bn < 0 || g_.node(bn).op_type != "BatchNormalization") continue;
      NodeQ& bq = q_[bn];
      for (Q& q : bq.out) q.enabled = q.enabled || q_[n].out[0].enabled;
      q_[n].out[0].enabled = false;
      for (Q& q : bq.in) q.enabled = false;
      for (Q& q : bq.param) q.enabled = false;
    }
  }

  void ApplyModelInputOutput() {
    if (c_.model_input_quantized) {
      for (NodeId n = 0; n < g_.num_nodes(); ++n) {
        const Node& node = g_.node(n);
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          Q& q = q_[n].in[i];
          if (q.exists && g_.value(node.inputs[i]).producer < 0) {
            q.enabled = true;  // graph input, constant or initializer
          }
        }
      }
    }
    if (c_.model_output_quantized) {
      for (ValueId v : g_.outputs()) {
        const graph::Value& val = g_.value(v);
        if (val.producer < 0) continue;
        const Node& p = g_.node(val.producer);
        if (IsDataMovementOp(p.op_type)) continue;
        q_[val.producer].out[val.producer_output].enabled = true;
      }
    }
  }

  // A tensor is quantized once: drop input quantizers that re-quantize it.
  void DropDoubleQuantization() {
    for (NodeId n = 0; n < g_.num_nodes(); ++n) {
      const Node& node = g_.node(n);
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        Q& q = q_[n].in[i];
        if (q.exists && q.enabled && QuantizedUpstream(node.inputs[i])) {
          q.enabled = false;
        }
      }
    }
  }

  const NodeQ& node_q(NodeId n) const { return q_[n]; }

 private:
  static void ApplyParam(const ParamConfig& p, Q* q) {
    if (p.is_quantized.has_value()) q->enabled = *p.is_quantized;
    if (p.is_symmetric.has_value()) q->symmetric = *p.is_symmetric;
  }

  // Disables `v`'s output quantizer and its consumers' input quantizers,
  // continuing through data-movement consumers.
  void DisableTensor(ValueId v) {
    const graph::Value& val = g_.value(v);
    if (val.producer >= 0)
      q_[val.producer].out[val.producer_output].enabled = false;
    for (const auto& [c, i] : consumers_[v]) {
      q_[c].in[i].enabled = false;
      if (i == 0 && IsDataMovementOp(g_.node(c).op_type)) {
        for (ValueId o : g_.node(c).outputs) DisableTensor(o);
      }
    }
  }

  // Whether `v` reaches its reader already quantized: its producer's output
  // quantizer is on, or it comes through data-movement ops from a tensor
  // that is.
  bool QuantizedUpstream(ValueId v) const {
    const graph::Value& val = g_.value(v);
    if (val.producer < 0) return false;
    const NodeQ& pq = q_[val.producer];
    if (pq.out[val.producer_output].enabled) return true;
    const Node& p = g_.node(val.producer);
    if (!IsDataMovementOp(p.op_type) || p.inputs.empty() ||
        p.inputs[0] == graph::kNoValue) {
      return false;
    }
    if (pq.in[0].exists && pq.in[0].enabled) return true;
    return QuantizedUpstream(p.inputs[0]);
  }

  // The node reading output 0 of `n` when it is the only read of any of its
  // outputs and output 0 is not a graph output; else -1.
  NodeId SoleConsumer(NodeId n) const {
    const Node& node = g_.node(n);
    if (node.outputs.empty()) return -1;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const ValueId v = node.outputs[o];
      for (ValueId out : g_.outputs()) {
        if (out == v) return -1;
      }
      if (consumers_[v].size() != (o == 0 ? 1u : 0u)) return -1;
    }
    return consumers_[node.outputs[0]][0].first;
  }

  bool MatchChain(NodeId first, const std::vector<std::string>& ops,
                  std::vector<NodeId>* chain) const {
    chain->clear();
    NodeId cur = first;
    for (size_t k = 0; k < ops.size(); ++k) {
      if (g_.node(cur).op_type != ops[k]) return false;
      chain->push_back(cur);
      if (k + 1 == ops.size()) break;
      cur = SoleConsumer(cur);
      if (cur < 0) return false;
    }
    return true;
  }

  const Graph& g_;
  const QuantSimConfig& c_;
  std::vector<std::vector<std::pair<NodeId, int>>> consumers_;
  std::vector<NodeQ> q_;
};

}  // namespace

absl::StatusOr<std::vector<QuantizerSpec>> PlaceQuantizers(
    const Graph& graph, const QuantSimConfig& config,
    const QuantSimOptions& options) {
  QS_RETURN_IF_ERROR(ValidateQuantSimOptions(options));
  QS_ASSIGN_OR_RETURN(std::vector<NodeId> order, graph.TopologicalOrder());
  Placer placer(graph, config);
  placer.Create();
  placer.ApplyOpSettings();
  placer.ApplySupergroups();
  placer.ApplyModelInputOutput();
  placer.DropDoubleQuantization();

  const bool is_float = options.default_data_type != QuantDataType::kInt;
  const bool strict = config.defaults.strict_symmetric.value_or(false);
  const bool unsigned_sym = config.defaults.unsigned_symmetric.value_or(false);
  std::vector<QuantizerSpec> specs;
  auto emit = [&](QuantizerKind kind, const Node& node, int index,
                  ValueId value, const Q& q) {
    QuantizerSpec s;
    s.kind = kind;
    s.node = node.name;
    s.index = index;
    s.tensor = graph.value(value).name;
    const int bw = kind == QuantizerKind::kParam ? options.default_param_bw
                                                 : options.default_output_bw;
    s.enabled = q.enabled && bw < 32;
    s.dtype = options.default_data_type;
    s.grid.bitwidth = is_float ? 16 : bw;
    s.grid.symmetric = q.symmetric;
    s.grid.strict_symmetric = strict;
    s.grid.unsigned_symmetric = unsigned_sym;
    if (q.constraints.has_value()) {
      s.constraint_min = q.constraints->min;
      s.constraint_max = q.constraints->max;
    }
    specs.push_back(std::move(s));
  };
  for (NodeId n : order) {
    const Node& node = graph.node(n);
    const NodeQ& nq = placer.node_q(n);
    const OpTypeConfig* op = FindOpType(config, node);
    const bool per_channel =
        SupportsPerChannel(node.op_type) &&
        (op != nullptr && op->per_channel_quantization.has_value()
             ? *op->per_channel_quantization
             : config.defaults.per_channel_quantization.value_or(false));
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (nq.in[i].exists) {
        emit(QuantizerKind::kInput, node, i, node.inputs[i], nq.in[i]);
      } else if (nq.param[i].exists) {
        emit(QuantizerKind::kParam, node, i, node.inputs[i], nq.param[i]);
        if (per_channel && !is_float) {
          const graph::Value& v = graph.value(node.inputs[i]);
          const int rank = v.data.defined()
                               ? v.data.rank()
                               : static_cast<int>(v.type.dims.size());
          QS_ASSIGN_OR_RETURN(specs.back().channel_axis,
                              PerChannelAxis(node, i, rank));
        }
      }
    }
    for (int o = 0; o < static_cast<int>(node.outputs.size()); ++o) {
      if (nq.out[o].exists) {
        emit(QuantizerKind::kOutput, node, o, node.outputs[o], nq.out[o]);
      }
    }
  }
  return specs;
}

}  // namespace quantsim::quant
