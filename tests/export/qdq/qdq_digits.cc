// The digits CNN simulation graph (see qdq_digits.h).
#include "tests/export/qdq/qdq_digits.h"

#include <algorithm>
#include <map>

#include "engine/context.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "ops/registry.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::io::qdq_testing {

using graph::ValueId;

absl::StatusOr<graph::Graph> DigitsSimGraph(const std::string& onnx_path,
                                            const engine::Tensor& calib,
                                            const DigitsQuantOptions& q) {
  QS_ASSIGN_OR_RETURN(OnnxModel m, ReadOnnx(onnx_path));
  const graph::Graph& src = m.graph;
  // Activations to quantize: the input, every Relu output, the logits.
  std::vector<ValueId> acts = src.inputs();
  for (int i = 0; i < src.num_nodes(); ++i) {
    if (src.node(i).op_type == "Relu") acts.push_back(src.node(i).outputs[0]);
  }
  for (ValueId o : src.outputs()) acts.push_back(o);
  // Calibrate: min/max over the calibration batch (libpymo TF scheme).
  std::map<ValueId, std::pair<float, float>> range;
  for (ValueId v : acts) range[v] = {0.0f, 0.0f};
  QS_ASSIGN_OR_RETURN(std::unique_ptr<graph::CompiledGraph> cg,
                      graph::CompiledGraph::Compile(src, ops::BuiltinOps()));
  graph::RunOptions ro;
  ro.observer = [&](ValueId v, const engine::Tensor& t) {
    auto it = range.find(v);
    if (it == range.end()) return absl::OkStatus();
    const float* p = t.data<float>();
    const auto [mn, mx] = std::minmax_element(p, p + t.numel());
    it->second = {std::min(it->second.first, *mn),
                  std::max(it->second.second, *mx)};
    return absl::OkStatus();
  };
  {
    const float* p = calib.data<float>();
    const auto [mn, mx] = std::minmax_element(p, p + calib.numel());
    range[src.inputs()[0]] = {*mn, *mx};
  }
  engine::Context ctx;
  QS_RETURN_IF_ERROR(cg->Run(ctx, {calib}, ro).status());

  auto act_spec = [&](ValueId v) -> absl::StatusOr<FqSpec> {
    quant::GridOptions o;
    o.bitwidth = q.act_bits;
    QS_ASSIGN_OR_RETURN(
        quant::Encoding e,
        quant::ComputeTfEncoding(range[v].first, range[v].second, o));
    FqSpec s = SpecFromEncoding(e);
    s.rounding = q.rounding;
    return s;
  };

  // Copy, inserting quantizers.
  graph::Graph g;
  std::vector<ValueId> map(src.num_values(), graph::kNoValue);
  auto quantize_act = [&](ValueId v, ValueId mapped) -> absl::Status {
    if (std::find(acts.begin(), acts.end(), v) == acts.end()) {
      map[v] = mapped;
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(FqSpec s, act_spec(v));
    QS_ASSIGN_OR_RETURN(map[v], AddFq(g, mapped, src.value(v).name + "_aq", s,
                                      src.value(v).name + "_fq"));
    return absl::OkStatus();
  };
  for (ValueId in : src.inputs()) {
    const graph::Value& v = src.value(in);
    QS_ASSIGN_OR_RETURN(ValueId id,
                        g.AddInput(v.name, v.type.dtype, v.type.dims));
    QS_RETURN_IF_ERROR(quantize_act(in, id));
  }
  QS_ASSIGN_OR_RETURN(std::vector<graph::NodeId> order, src.TopologicalOrder());
  for (graph::NodeId nid : order) {
    const graph::Node& n = src.node(nid);
    std::vector<ValueId> ins;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const ValueId v = n.inputs[i];
      if (map[v] == graph::kNoValue) {  // parameter or constant
        const graph::Value& pv = src.value(v);
        QS_ASSIGN_OR_RETURN(map[v], pv.kind == graph::ValueKind::kConstant
                                        ? g.AddConstant(pv.name, pv.data)
                                        : g.AddParameter(pv.name, pv.data));
      }
      ValueId in = map[v];
      const bool weight =
          i == 1 && (n.op_type == "Conv" || n.op_type == "Gemm");
      if (weight) {
        const engine::Tensor& w = src.value(v).data;
        FqSpec s;
        if (q.per_channel_weights) {
          QS_ASSIGN_OR_RETURN(std::vector<quant::Encoding> e,
                              TfEncodingsPerChannel(w, q.weight_bits, true));
          s = SpecFromEncodings(e, 0);
        } else {
          QS_ASSIGN_OR_RETURN(quant::Encoding e,
                              TfEncodingOf(w, q.weight_bits, true));
          s = SpecFromEncoding(e);
        }
        s.rounding = q.rounding;
        QS_ASSIGN_OR_RETURN(in, AddFq(g, in, src.value(v).name + "_wq", s,
                                      src.value(v).name + "_fq"));
      }
      ins.push_back(in);
    }
    std::vector<std::string> names;
    for (ValueId o : n.outputs) names.push_back(src.value(o).name);
    QS_ASSIGN_OR_RETURN(
        std::vector<ValueId> outs,
        g.AddNode(n.op_type, ins, n.attrs, static_cast<int>(n.outputs.size()),
                  n.name, names));
    for (size_t i = 0; i < outs.size(); ++i) {
      QS_RETURN_IF_ERROR(quantize_act(n.outputs[i], outs[i]));
    }
  }
  for (ValueId o : src.outputs()) QS_RETURN_IF_ERROR(g.AddOutput(map[o]));
  return g;
}

float OutputLsb(const graph::Graph& sim) {
  const graph::Value& out = sim.value(sim.outputs()[0]);
  const graph::Node& fq = sim.node(out.producer);
  return sim.value(fq.inputs[1]).data.data<float>()[0];
}

}  // namespace quantsim::io::qdq_testing
