// QuantSim on a hand-built Conv -> Relu -> Flatten -> Gemm network: graph
// construction, calibration semantics, encodings hand-off.
#include "quant/sim/quantsim.h"

#include <memory>

#include "absl/strings/match.h"
#include "engine/status.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "quant/analyzers/entropy_analyzer.h"
#include "quant/analyzers/libpymo_analyzers.h"
#include "tests/quant/sim/sim_test_util.h"

namespace quantsim::quant {
namespace {

using engine::Tensor;
using testing::BitEqual;
using testing::RandomTensor;
using testing::SameEncoding;
using testing::SmallNet;
using testing::SmallNetSpecs;
using testing::Spec;

QuantSimOptions Options(QuantScheme scheme = QuantScheme::kPostTrainingTf) {
  QuantSimOptions o;
  o.quant_scheme = scheme;
  return o;
}

std::unique_ptr<QuantSim> Make(std::vector<QuantizerSpec> specs,
                               QuantSimOptions o = Options(),
                               const engine::Context* ctx = nullptr) {
  auto sim =
      QuantSim::Create(SmallNet(), std::move(specs), o, ops::BuiltinOps(), ctx);
  EXPECT_TRUE(sim.ok()) << sim.status();
  return sim.ok() ? std::move(*sim) : nullptr;
}

std::vector<Tensor> Batches(int n, uint32_t seed0 = 10) {
  std::vector<Tensor> b;
  for (int i = 0; i < n; ++i)
    b.push_back(RandomTensor({5, 1, 4, 4}, seed0 + i));
  return b;
}

std::function<absl::Status(QuantSim&)> Feed(std::vector<Tensor> batches) {
  return [batches](QuantSim& sim) -> absl::Status {
    for (const Tensor& x : batches)
      QS_RETURN_IF_ERROR(sim.Forward({x}).status());
    return absl::OkStatus();
  };
}

std::string InputName(const graph::Graph& g, const std::string& node, int i) {
  const graph::Node& n = g.node(g.FindNode(node).value());
  return g.value(n.inputs[i]).name;
}

TEST(QuantSim, InsertsNodesAndRewiresEdges) {
  auto sim = Make(SmallNetSpecs());
  ASSERT_NE(sim, nullptr);
  auto cg = sim->SimGraph();
  ASSERT_TRUE(cg.ok()) << cg.status();
  const graph::Graph& g = (*cg)->graph();
  EXPECT_EQ(g.num_nodes(), 4 + 5);
  for (const char* n :
       {"x_quantizer", "conv.weight_quantizer", "relu_out_quantizer",
        "fc.weight_quantizer", "y_quantizer"}) {
    auto id = g.FindNode(n);
    ASSERT_TRUE(id.ok()) << n;
    EXPECT_EQ(g.node(*id).op_type, "FakeQuantize");
  }
  EXPECT_EQ(InputName(g, "conv", 0), "x_qdq");
  EXPECT_EQ(InputName(g, "conv", 1), "conv.weight_qdq");
  EXPECT_EQ(InputName(g, "conv", 2), "conv.bias");
  EXPECT_EQ(InputName(g, "relu", 0), "conv_out");  // not quantized
  EXPECT_EQ(InputName(g, "flatten", 0), "relu_out_qdq");
  EXPECT_EQ(InputName(g, "fc", 1), "fc.weight_qdq");
  EXPECT_EQ(InputName(g, "relu_out_quantizer", 0), "relu_out");
  EXPECT_EQ(InputName(g, "conv.weight_quantizer", 0), "conv.weight");
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "y_qdq");
  // Float weights stay float parameters; encodings tensors are parameters
  // shared with the quantizer, not trainable.
  const graph::Value& w = g.value(g.FindValue("conv.weight").value());
  EXPECT_EQ(w.kind, graph::ValueKind::kParameter);
  EXPECT_TRUE(w.trainable);
  const graph::Value& s = g.value(g.FindValue("relu_out_qdq.scale").value());
  EXPECT_EQ(s.kind, graph::ValueKind::kParameter);
  EXPECT_FALSE(s.trainable);
  Quantizer* q = sim->FindQuantizer("relu_out").value();
  EXPECT_EQ(s.data.data<float>(), q->scale().data<float>());
  EXPECT_EQ(sim->float_graph().num_nodes(), 4);
}

TEST(QuantSim, MasksOnRequest) {
  auto sim = QuantSim::Create(SmallNet(), SmallNetSpecs(), Options(),
                              ops::BuiltinOps(), nullptr, {true});
  ASSERT_TRUE(sim.ok()) << sim.status();
  const graph::Graph& g = (*(*sim)->SimGraph())->graph();
  const graph::Node& n = g.node(g.FindNode("relu_out_quantizer").value());
  ASSERT_EQ(n.outputs.size(), 2u);
  EXPECT_EQ(g.value(n.outputs[1]).name, "relu_out_qdq_mask");
}

TEST(QuantSim, DisabledAndPassThroughAreIdentity) {
  std::vector<QuantizerSpec> specs = SmallNetSpecs();
  for (QuantizerSpec& s : specs) s.enabled = false;
  specs.push_back(Spec(QuantizerKind::kOutput, "conv", 0, "conv_out", 32));
  auto sim = Make(specs);
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ((*sim->SimGraph())->graph().num_nodes(), 4);
  const Tensor x = RandomTensor({3, 1, 4, 4}, 7);
  auto q = sim->Forward({x});
  auto f = sim->ForwardFloat({x});
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(BitEqual((*q)[0], (*f)[0]));
  const QuantSimReport r = sim->Report();
  EXPECT_EQ(r.total, 6);
  EXPECT_EQ(r.disabled, 5);
  EXPECT_EQ(r.pass_through, 1);
}

TEST(QuantSim, ForwardBeforeEncodingsIsFailedPrecondition) {
  auto sim = Make(SmallNetSpecs());
  ASSERT_NE(sim, nullptr);
  auto r = sim->Forward({RandomTensor({1, 1, 4, 4}, 1)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "'x'"));
}

// The reference: the float graph with QDQ'd weights, activations observed
// unquantized, analyzers fed directly.
template <typename A>
void CheckCalibrationMatchesAnalyzers(QuantScheme scheme) {
  engine::Context ctx({2});
  auto sim = Make(SmallNetSpecs(), Options(scheme), &ctx);
  ASSERT_NE(sim, nullptr);
  const std::vector<Tensor> batches = Batches(3);
  std::vector<Tensor> calib_outputs;
  absl::Status s = sim->ComputeEncodings([&](QuantSim& q) -> absl::Status {
    EXPECT_TRUE(q.calibrating());
    for (const Tensor& x : batches) {
      QS_ASSIGN_OR_RETURN(std::vector<Tensor> out, q.Forward({x}));
      calib_outputs.push_back(out[0]);
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FALSE(sim->calibrating());

  // Weights: one pass over the weight tensor.
  graph::Graph ref = SmallNet();
  std::map<std::string, Encoding> want;
  for (const char* w : {"conv.weight", "fc.weight"}) {
    A a;
    const graph::ValueId id = ref.FindValue(w).value();
    const Tensor& t = ref.value(id).data;
    ASSERT_TRUE(a.UpdateStats(t.data<float>(), t.numel()).ok());
    GridOptions grid{8, true};
    want[w] = a.ComputeEncoding(grid).value();
    ASSERT_TRUE(ref.SetValueData(id, testing::LibpymoQdq(t, want[w])).ok());
  }
  auto cg = graph::CompiledGraph::Compile(ref, ops::BuiltinOps()).value();
  graph::RunOptions ro;
  ro.fetch = {cg->graph().FindValue("relu_out").value()};
  A ax, arelu, ay;
  for (size_t i = 0; i < batches.size(); ++i) {
    auto r = cg->Run(ctx, {batches[i]}, ro).value();
    // Weights quantized, activations unquantized while calibrating.
    EXPECT_TRUE(BitEqual(calib_outputs[i], r.outputs[0])) << "batch " << i;
    const Tensor& x = batches[i];
    ASSERT_TRUE(ax.UpdateStats(x.data<float>(), x.numel()).ok());
    const Tensor& h = r.fetched[0];
    ASSERT_TRUE(arelu.UpdateStats(h.data<float>(), h.numel()).ok());
    const Tensor& y = r.outputs[0];
    ASSERT_TRUE(ay.UpdateStats(y.data<float>(), y.numel()).ok());
  }
  GridOptions asym{8, false};
  want["x"] = ax.ComputeEncoding(asym).value();
  want["relu_out"] = arelu.ComputeEncoding(asym).value();
  want["y"] = ay.ComputeEncoding(asym).value();
  for (const auto& [name, e] : want) {
    Quantizer* q = sim->FindQuantizer(name).value();
    ASSERT_EQ(q->encodings().size(), 1u) << name;
    EXPECT_TRUE(SameEncoding(q->encodings()[0], e))
        << name << ": " << q->encodings()[0].min << " " << e.min;
  }
  // The simulation: every QDQ node applies libpymo's QDQ to its input.
  const Tensor x = batches[0];
  const graph::CompiledGraph* sg = sim->SimGraph().value();
  graph::RunOptions fo;
  for (const char* n :
       {"x", "x_qdq", "relu_out", "relu_out_qdq", "y", "y_qdq"}) {
    fo.fetch.push_back(sg->graph().FindValue(n).value());
  }
  auto run = sim->Run({x}, fo);
  ASSERT_TRUE(run.ok()) << run.status();
  const auto& v = run->fetched;
  EXPECT_TRUE(BitEqual(v[1], testing::LibpymoQdq(v[0], want["x"])));
  EXPECT_TRUE(BitEqual(v[3], testing::LibpymoQdq(v[2], want["relu_out"])));
  EXPECT_TRUE(BitEqual(v[5], testing::LibpymoQdq(v[4], want["y"])));
  EXPECT_FALSE(BitEqual(v[0], v[1]));
  auto got = sim->Forward({x});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(BitEqual((*got)[0], v[5]));
  auto f = sim->ForwardFloat({x}).value();
  EXPECT_FALSE(BitEqual((*got)[0], f[0]));
}

TEST(QuantSim, TfCalibrationMatchesAnalyzers) {
  CheckCalibrationMatchesAnalyzers<TfAnalyzer>(QuantScheme::kPostTrainingTf);
}

TEST(QuantSim, TfEnhancedCalibrationMatchesAnalyzers) {
  CheckCalibrationMatchesAnalyzers<TfEnhancedAnalyzer>(
      QuantScheme::kPostTrainingTfEnhanced);
}

TEST(QuantSim, QuantizersWithoutDataAreDisabled) {
  auto sim = Make(SmallNetSpecs());
  ASSERT_NE(sim, nullptr);
  ASSERT_TRUE(
      sim->ComputeEncodings([](QuantSim&) { return absl::OkStatus(); }).ok());
  const QuantSimReport r = sim->Report();
  EXPECT_EQ(r.disabled_no_data, 3);
  EXPECT_EQ(r.enabled, 2);
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_TRUE(absl::StrContains(r.warnings[0], "'x'"));
  EXPECT_TRUE(absl::StrContains(r.ToString(), "no data"));
  // Only the weight quantizers remain.
  EXPECT_EQ((*sim->SimGraph())->graph().num_nodes(), 4 + 2);
  EXPECT_TRUE(sim->Forward({RandomTensor({2, 1, 4, 4}, 3)}).ok());
  // A later calibration with data re-enables them.
  ASSERT_TRUE(sim->ComputeEncodings(Feed(Batches(1))).ok());
  EXPECT_EQ(sim->Report().enabled, 5);
}

TEST(QuantSim, ResumedCalibrationEqualsOneCall) {
  const std::vector<Tensor> b = Batches(4);
  auto two = Make(SmallNetSpecs());
  auto one = Make(SmallNetSpecs());
  ASSERT_TRUE(two->ComputeEncodings(Feed({b[0], b[1]})).ok());
  ASSERT_TRUE(two->ComputeEncodings(Feed({b[2], b[3]})).ok());
  ASSERT_TRUE(one->ComputeEncodings(Feed(b)).ok());
  for (int i = 0; i < one->num_quantizers(); ++i) {
    EXPECT_TRUE(SameEncoding(one->quantizer(i).encodings()[0],
                             two->quantizer(i).encodings()[0]))
        << one->quantizer(i).tensor();
  }
  // Reset: only the new batches count.
  auto fresh = Make(SmallNetSpecs());
  ASSERT_TRUE(fresh->ComputeEncodings(Feed({b[3]})).ok());
  two->ResetStatistics();
  ASSERT_TRUE(two->ComputeEncodings(Feed({b[3]})).ok());
  for (int i = 0; i < fresh->num_quantizers(); ++i) {
    EXPECT_TRUE(SameEncoding(fresh->quantizer(i).encodings()[0],
                             two->quantizer(i).encodings()[0]))
        << fresh->quantizer(i).tensor();
  }
  EXPECT_FALSE(SameEncoding(one->FindQuantizer("x").value()->encodings()[0],
                            two->FindQuantizer("x").value()->encodings()[0]));
}

// The other schemes pick their analyzer: the model input's encoding equals
// the analyzer's fed with the same batches.
template <typename A>
void CheckInputEncoding(QuantSimOptions o, A a) {
  auto sim = Make(SmallNetSpecs(), o);
  ASSERT_NE(sim, nullptr);
  const std::vector<Tensor> b = Batches(2);
  ASSERT_TRUE(sim->ComputeEncodings(Feed(b)).ok());
  for (const Tensor& x : b) {
    ASSERT_TRUE(a.UpdateStats(x.data<float>(), x.numel()).ok());
  }
  const Encoding want = a.ComputeEncoding(GridOptions{8, false}).value();
  EXPECT_TRUE(
      SameEncoding(sim->FindQuantizer("x").value()->encodings()[0], want));
  EXPECT_EQ(sim->Report().enabled, 5);
}

TEST(QuantSim, PercentileMseEntropySchemes) {
  QuantSimOptions p = Options(QuantScheme::kPostTrainingPercentile);
  p.percentile = 99.9;
  CheckInputEncoding(p, PercentileAnalyzer(99.9f));
  CheckInputEncoding(Options(QuantScheme::kMse), MseAnalyzer());
  CheckInputEncoding(Options(QuantScheme::kEntropy), EntropyAnalyzer());
}

}  // namespace
}  // namespace quantsim::quant
