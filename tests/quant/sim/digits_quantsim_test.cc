// QuantSim on the digits CNN (tests/data/onnx/digits_cnn.onnx): w8a8
// per-tensor (weights 8-bit symmetric, activations 8-bit asymmetric, TF
// scheme), calibrated on digits_calib_x.npy, evaluated on the 450 test
// images against PyTorch's w8a8 per-tensor accuracy (digits_results.json).
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/npy.h"
#include "export/onnx.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "quant/sim/quantsim.h"

namespace quantsim::quant {
namespace {

using engine::Tensor;

double JsonNumber(const std::string& text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\"");
  EXPECT_NE(at, std::string::npos) << key;
  const size_t colon = text.find(':', at);
  return std::stod(text.substr(colon + 1));
}

// Quantizers on every Conv/Gemm weight, every Relu/Gemm output and the input.
std::vector<QuantizerSpec> DigitsSpecs(const graph::Graph& g) {
  std::vector<QuantizerSpec> specs;
  QuantizerSpec in;
  in.kind = QuantizerKind::kOutput;  // a graph input: every consumer
  in.tensor = g.value(g.inputs()[0]).name;
  specs.push_back(in);
  for (graph::NodeId n = 0; n < g.num_nodes(); ++n) {
    const graph::Node& node = g.node(n);
    if (node.op_type == "Conv" || node.op_type == "Gemm") {
      QuantizerSpec w;
      w.kind = QuantizerKind::kParam;
      w.node = node.name;
      w.index = 1;
      w.tensor = g.value(node.inputs[1]).name;
      w.grid.symmetric = true;
      specs.push_back(w);
    }
    if (node.op_type == "Relu" || node.op_type == "Gemm") {
      QuantizerSpec o;
      o.kind = QuantizerKind::kOutput;
      o.node = node.name;
      o.tensor = g.value(node.outputs[0]).name;
      specs.push_back(o);
    }
  }
  return specs;
}

int Correct(const Tensor& logits, const Tensor& labels) {
  int correct = 0;
  const int64_t classes = logits.dim(1);
  for (int64_t n = 0; n < logits.dim(0); ++n) {
    const float* row = logits.data<float>() + n * classes;
    correct += (std::max_element(row, row + classes) - row) ==
               labels.data<int64_t>()[n];
  }
  return correct;
}

TEST(DigitsQuantSim, W8A8PerTensorMatchesTorchAccuracy) {
  auto model = io::ReadOnnx("tests/data/onnx/digits_cnn.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<QuantizerSpec> specs = DigitsSpecs(model->graph);
  ASSERT_EQ(specs.size(), 1u + 4u + 5u);
  QuantSimOptions o;
  o.quant_scheme = QuantScheme::kPostTrainingTf;
  engine::Context ctx({2});
  auto sim = QuantSim::Create(std::move(model->graph), specs, o,
                              ops::BuiltinOps(), &ctx);
  ASSERT_TRUE(sim.ok()) << sim.status();
  const Tensor calib =
      engine::ReadNpy("tests/data/digits/digits_calib_x.npy").value();
  absl::Status s = (*sim)->ComputeEncodings(
      [&](QuantSim& q) { return q.Forward({calib}).status(); });
  ASSERT_TRUE(s.ok()) << s;
  const QuantSimReport r = (*sim)->Report();
  EXPECT_EQ(r.enabled, 10);
  EXPECT_EQ(r.disabled, 0);
  std::cout << r.ToString();

  const Tensor x =
      engine::ReadNpy("tests/data/digits/digits_test_x.npy").value();
  const Tensor y =
      engine::ReadNpy("tests/data/digits/digits_test_y.npy").value();
  auto q = (*sim)->Forward({x});
  ASSERT_TRUE(q.ok()) << q.status();
  auto f = (*sim)->ForwardFloat({x});
  ASSERT_TRUE(f.ok()) << f.status();
  const double acc = Correct((*q)[0], y) / 450.0;
  const double fp32 = Correct((*f)[0], y) / 450.0;
  std::ifstream in("tests/data/digits/digits_results.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const double torch = JsonNumber(ss.str(), "w8a8_pt_acc");
  EXPECT_DOUBLE_EQ(fp32, JsonNumber(ss.str(), "fp32_acc"));
  EXPECT_NEAR(acc, torch, 0.005)
      << "quantsim w8a8 " << acc << " torch " << torch;
  std::cout << "digits w8a8 per-tensor accuracy: quantsim " << acc << ", torch "
            << torch << ", fp32 " << fp32 << "\n";
  RecordProperty("w8a8_pt_acc", std::to_string(acc));
}

}  // namespace
}  // namespace quantsim::quant
