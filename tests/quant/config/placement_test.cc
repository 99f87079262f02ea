// PlaceQuantizers on hand-built graphs: defaults and params, each op_type
// rule, supergroups, model_input/model_output, per-channel axes, encoding
// constraints, data-movement ops and options.
#include "quant/config/placement.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/quant/config/placement_test_util.h"

namespace quantsim::quant {
namespace {

using testing::Builder;
using testing::Builtin;
using testing::Config;
using testing::Find;
using testing::In;
using testing::Out;
using testing::Par;
using testing::Place;

// x -> Conv(w, b) -> Sigmoid -> y
Builder ConvSigmoid() {
  Builder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  auto c =
      b.Op("Conv", "conv", {x, b.Param("w", {4, 3, 3, 3}), b.Param("b", {4})});
  b.Output(b.Op("Sigmoid", "sig", {c}));
  return b;
}

TEST(Placement, DefaultConfigBasics) {
  Builder b = ConvSigmoid();
  std::vector<QuantizerSpec> s = Place(b.g, Builtin("default_config.json"));
  // Topological order; per node inputs/params by index, then outputs.
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].kind, QuantizerKind::kInput);
  EXPECT_EQ(s[0].tensor, "x");
  EXPECT_EQ(s[1].kind, QuantizerKind::kParam);
  EXPECT_EQ(s[1].tensor, "w");
  EXPECT_EQ(s[2].tensor, "b");
  EXPECT_EQ(s[3].kind, QuantizerKind::kOutput);
  EXPECT_EQ(s[3].tensor, "conv_out");
  EXPECT_EQ(s[4].node, "sig");
  EXPECT_EQ(s[5].tensor, "sig_out");
  EXPECT_EQ(In(s, "conv"), "on");  // model_input
  EXPECT_EQ(Par(s, "conv", 1), "on");
  EXPECT_EQ(Par(s, "conv", 2), "off");  // params.bias
  EXPECT_EQ(Out(s, "conv"), "on");
  EXPECT_EQ(In(s, "sig"), "off");
  EXPECT_EQ(Out(s, "sig"), "on");
  for (const QuantizerSpec& q : s) {
    EXPECT_EQ(q.grid.bitwidth, 8);
    EXPECT_EQ(q.dtype, QuantDataType::kInt);
    // Weights symmetric, activations asymmetric.
    EXPECT_EQ(q.grid.symmetric, q.kind == QuantizerKind::kParam) << q.tensor;
    EXPECT_FALSE(q.grid.strict_symmetric);
    EXPECT_FALSE(q.grid.unsigned_symmetric);
    EXPECT_FALSE(q.channel_axis.has_value());
    EXPECT_FALSE(q.constraint_min.has_value());
  }
}

TEST(Placement, DefaultsSymmetryStrictUnsignedAndParamsByName) {
  Builder b = ConvSigmoid();
  QuantSimConfig c = Config(R"({"weight": {"is_symmetric": "False"},
                               "bias": {"is_quantized": "True"}})",
                            "{}", "[]", "{}", "{}",
                            R"(, "strict_symmetric": "True",
                               "unsigned_symmetric": "True")");
  c.defaults.ops_is_symmetric = true;
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_FALSE(Find(s, QuantizerKind::kParam, "conv", 1)->grid.symmetric);
  EXPECT_EQ(Par(s, "conv", 2), "on");
  EXPECT_TRUE(Find(s, QuantizerKind::kParam, "conv", 2)->grid.symmetric);
  EXPECT_TRUE(Find(s, QuantizerKind::kOutput, "sig", 0)->grid.symmetric);
  EXPECT_EQ(In(s, "conv"), "off");  // no model_input
  for (const QuantizerSpec& q : s) {
    EXPECT_TRUE(q.grid.strict_symmetric);
    EXPECT_TRUE(q.grid.unsigned_symmetric);
  }
}

TEST(Placement, OpTypeSymmetricParamsAndConstraints) {
  Builder b;
  auto x = b.Input("x", {2, 8});
  auto g1 = b.Op("Gemm", "fc", {x, b.Param("fw", {8, 4}), b.Param("fb", {4})});
  auto c1 = b.Op("Conv", "conv",
                 {b.Input("img", {1, 1, 4, 4}), b.Param("cw", {2, 1, 1, 1}),
                  b.Param("cb", {2})});
  b.Output(b.Op("Softmax", "softmax", {g1}));
  b.Output(b.Op("Sigmoid", "sigmoid", {c1}));
  QuantSimConfig c = Builtin("htp_quantsim_config_v73.json");
  c.op_type["Gemm"].is_symmetric = true;
  c.op_type["Conv"].params["bias"].is_quantized = true;
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_TRUE(Find(s, QuantizerKind::kOutput, "fc", 0)->grid.symmetric);
  EXPECT_TRUE(Find(s, QuantizerKind::kInput, "fc", 0)->grid.symmetric);
  EXPECT_FALSE(Find(s, QuantizerKind::kOutput, "conv", 0)->grid.symmetric);
  EXPECT_EQ(Par(s, "conv", 2), "on");  // op_type.Conv.params.bias
  EXPECT_EQ(Par(s, "fc", 2), "off");   // params.bias
  for (const char* n : {"softmax", "sigmoid"}) {
    const QuantizerSpec* q = Find(s, QuantizerKind::kOutput, n, 0);
    EXPECT_EQ(q->constraint_min, 0.0) << n;
    EXPECT_EQ(q->constraint_max, 1.0) << n;
    EXPECT_TRUE(q->enabled);
  }
  EXPECT_FALSE(Find(s, QuantizerKind::kOutput, "fc", 0)->constraint_min);
}

TEST(Placement, OpTypeInputQuantizedAndDoubleQuantization) {
  Builder b;
  auto x = b.Input("x", {4});
  auto sq = b.Op("Sqrt", "sqrt", {x});
  auto relu = b.Op("Relu", "relu", {sq});
  b.Output(b.Op("Mul", "mul", {relu, b.Input("y", {4})}));
  QuantSimConfig c = Config("{}",
                            R"({"Sqrt": {"is_input_quantized": "True"},
                                "Mul": {"is_input_quantized": "True"}})",
                            "[]");
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_EQ(In(s, "sqrt"), "on");  // graph input, no model_input needed
  EXPECT_EQ(In(s, "relu"), "off");
  // Relu's output is quantized already: Mul does not quantize it again.
  EXPECT_EQ(Out(s, "relu"), "on");
  EXPECT_EQ(In(s, "mul", 0), "off");
  EXPECT_EQ(In(s, "mul", 1), "on");  // graph input y
}

TEST(Placement, OutputFalseDisablesTensorThroughDataMovement) {
  Builder b;
  auto x = b.Input("x", {1, 4});
  auto relu = b.Op("Relu", "relu", {x});
  auto drop = b.Op("Dropout", "drop", {relu});
  auto shape = b.Const("shape", {2});
  b.g.mutable_value(shape).type.dtype = engine::DType::kI64;
  auto rs = b.Op("Reshape", "reshape", {drop, shape});
  b.Output(b.Op("Add", "add", {rs, b.Input("z", {4})}));
  QuantSimConfig c = Builtin("default_config.json");
  c.op_type["Add"].is_input_quantized = true;
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_EQ(Out(s, "relu"), "on");
  EXPECT_EQ(Out(s, "drop"), "off");        // op_type.Dropout
  EXPECT_EQ(In(s, "reshape", 0), "off");   // neighbourhood
  EXPECT_EQ(In(s, "reshape", 1), "none");  // int64 shape: no quantizer
  EXPECT_EQ(Out(s, "reshape"), "off");     // data movement
  EXPECT_EQ(In(s, "add", 0), "off");       // walked through Reshape
  EXPECT_EQ(In(s, "add", 1), "on");
  EXPECT_EQ(Out(s, "add"), "on");
}

TEST(Placement, DataMovementOutputsAndExplicitEnable) {
  Builder b;
  auto x = b.Input("x", {1, 2, 4, 4});
  auto rs = b.Op("Reshape", "reshape", {x, b.Const("s", {2})});
  b.g.mutable_value(b.g.FindValue("s").value()).type.dtype =
      engine::DType::kI64;
  auto conv = b.Op("Conv", "conv", {rs, b.Param("w", {2, 2, 1, 1})});
  auto fl = b.Op("Flatten", "flatten", {conv});
  auto tr = b.Op("Transpose", "transpose", {fl});
  b.Output(b.Op("Gemm", "fc", {tr, b.Param("fw", {32, 3})}));
  QuantSimConfig c = Builtin("default_config.json");
  c.op_type["Gemm"].is_input_quantized = true;
  c.op_type["Conv"].is_input_quantized = true;
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_EQ(In(s, "reshape"), "on");  // model input
  EXPECT_EQ(Out(s, "reshape"), "off");
  // Fed by the model input through Reshape, quantized there already.
  EXPECT_EQ(In(s, "conv"), "off");
  EXPECT_EQ(Out(s, "conv"), "on");
  EXPECT_EQ(Out(s, "flatten"), "off");
  EXPECT_EQ(Out(s, "transpose"), "off");
  EXPECT_EQ(In(s, "fc"), "off");  // Conv's grid, through Flatten+Transpose
  EXPECT_EQ(Out(s, "fc"), "on");
  c.op_type["Transpose"].is_output_quantized = true;
  s = Place(b.g, c);
  EXPECT_EQ(Out(s, "transpose"), "on");
  EXPECT_EQ(In(s, "fc"), "off");
}

struct SupergroupCase {
  const char* config;
  std::vector<std::string> ops;
};

class Supergroups : public ::testing::TestWithParam<SupergroupCase> {};

// x -> op0 -> op1 [-> op2] -> y, each op fed by the previous op's output.
TEST_P(Supergroups, FirstOutputLastInputMiddleBothOff) {
  const std::vector<std::string>& ops = GetParam().ops;
  Builder b;
  auto v = b.Input("x", {1, 2, 4, 4});
  for (size_t k = 0; k < ops.size(); ++k) {
    const std::string name = "n" + std::to_string(k);
    std::vector<graph::ValueId> in = {v};
    const std::string& t = ops[k];
    if (t == "Conv" || t == "ConvTranspose" || t == "Gemm") {
      in.push_back(b.Param(name + "_w", {2, 2, 1, 1}));
    } else if (t == "Add") {
      in.push_back(b.Input(name + "_y", {1, 2, 4, 4}));
    } else if (t == "BatchNormalization") {
      for (const char* p : {"_s", "_b", "_m", "_v"}) {
        in.push_back(b.Param(name + p, {2}));
      }
    } else if (t == "PRelu") {
      in.push_back(b.Param(name + "_slope", {2, 1, 1}));
    }
    v = b.Op(t, name, in);
  }
  b.Output(v);
  QuantSimConfig c = Builtin(GetParam().config);
  // Enable every input so that "last op inputs off" is observable.
  for (const std::string& t : ops) c.op_type[t].is_input_quantized = true;
  std::vector<QuantizerSpec> s = Place(b.g, c);
  const size_t last = ops.size() - 1;
  EXPECT_EQ(Out(s, "n0"), "off");
  for (size_t k = 1; k < last; ++k) {
    const std::string name = "n" + std::to_string(k);
    EXPECT_EQ(Out(s, name), "off") << name;
    EXPECT_EQ(In(s, name), "off") << name;
  }
  const std::string lastn = "n" + std::to_string(last);
  EXPECT_EQ(In(s, lastn, 0), "off");
  if (ops[last] == "Add") {
    EXPECT_EQ(In(s, lastn, 1), "off");
  }
  EXPECT_EQ(Out(s, lastn), "on");
  // Without the pattern in the config, the first op's output is quantized
  // (BN directly after a conv takes the conv's output quantizer instead).
  c.supergroups.clear();
  s = Place(b.g, c);
  EXPECT_EQ(Out(s, ops[1] == "BatchNormalization" ? "n1" : "n0"), "on");
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, Supergroups,
    ::testing::Values(
        SupergroupCase{"default_config.json", {"Conv", "Relu"}},
        SupergroupCase{"default_config.json", {"ConvTranspose", "Relu"}},
        SupergroupCase{"default_config.json", {"Conv", "Clip"}},
        SupergroupCase{"default_config.json", {"Add", "Relu"}},
        SupergroupCase{"default_config.json", {"Gemm", "Relu"}},
        SupergroupCase{"htp_quantsim_config_v73.json",
                       {"Conv", "BatchNormalization", "Relu"}},
        SupergroupCase{"htp_quantsim_config_v73.json",
                       {"Conv", "BatchNormalization", "HardSwish"}},
        SupergroupCase{"htp_quantsim_config_v73.json",
                       {"Conv", "Transpose", "Relu"}},
        SupergroupCase{"htp_quantsim_config_v73.json", {"Conv", "PRelu"}},
        SupergroupCase{"htp_quantsim_config_v73.json", {"Conv", "HardSwish"}}));

TEST(Placement, SupergroupNeedsSingleConsumer) {
  Builder b;
  auto x = b.Input("x", {1, 2, 4, 4});
  auto conv = b.Op("Conv", "conv", {x, b.Param("w", {2, 2, 1, 1})});
  b.Output(b.Op("Relu", "relu", {conv}));
  b.Output(b.Op("Sigmoid", "sig", {conv}));  // second reader of conv_out
  auto conv2 = b.Op("Conv", "conv2", {x, b.Param("w2", {2, 2, 1, 1})});
  b.Output(conv2);  // graph output feeding a Relu too
  b.Output(b.Op("Relu", "relu2", {conv2}));
  std::vector<QuantizerSpec> s = Place(b.g, Builtin("default_config.json"));
  EXPECT_EQ(Out(s, "conv"), "on");
  EXPECT_EQ(Out(s, "conv2"), "on");
}

TEST(Placement, BatchNormAfterConvIsScaleFoldable) {
  Builder b;
  auto x = b.Input("x", {1, 2, 4, 4});
  auto conv = b.Op("Conv", "conv", {x, b.Param("w", {2, 2, 1, 1})});
  auto bn = b.Op("BatchNormalization", "bn",
                 {conv, b.Param("s", {2}), b.Param("bb", {2}),
                  b.Param("m", {2}), b.Param("v", {2})});
  b.Output(b.Op("Sigmoid", "sig", {bn}));
  std::vector<QuantizerSpec> s = Place(b.g, Builtin("default_config.json"));
  EXPECT_EQ(Out(s, "conv"), "off");
  EXPECT_EQ(In(s, "bn"), "off");
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(Par(s, "bn", i), "off") << i;
  EXPECT_EQ(Out(s, "bn"), "on");
  EXPECT_EQ(Par(s, "conv", 1), "on");
}

TEST(Placement, ModelInputAndModelOutput) {
  Builder b;
  auto x = b.Input("x", {4});
  auto r1 = b.Op("Relu", "r1", {x});
  auto r2 = b.Op("Relu", "r2", {r1});
  auto add = b.Op("Add", "add", {r2, b.Const("k", {4})});
  auto mul = b.Op("Mul", "mul", {add, b.Param("p", {4})});  // not a slot
  b.Output(b.Op("Relu", "r3", {mul}));
  b.Output(r2);
  b.Output(b.Op("Identity", "id", {mul}));
  QuantSimConfig c =
      Config("{}", R"({"Relu": {"is_output_quantized": "False"}})", "[]",
             R"({"is_input_quantized": "True"})",
             R"({"is_output_quantized": "True"})");
  std::vector<QuantizerSpec> s = Place(b.g, c);
  EXPECT_EQ(In(s, "r1"), "on");       // graph input (after op_type)
  EXPECT_EQ(Out(s, "r1"), "off");     // op_type.Relu
  EXPECT_EQ(Out(s, "r2"), "on");      // model output
  EXPECT_EQ(Out(s, "r3"), "on");      // model output
  EXPECT_EQ(In(s, "add", 0), "off");  // r2's output quantizer has it
  EXPECT_EQ(In(s, "add", 1), "on");   // constant
  EXPECT_EQ(Par(s, "mul", 1), "none");
  EXPECT_EQ(In(s, "mul", 1), "on");  // initializer outside a param slot
  EXPECT_EQ(Out(s, "id"), "off");    // data movement stays off
  c.model_input_quantized = false;
  c.model_output_quantized = false;
  s = Place(b.g, c);
  EXPECT_EQ(In(s, "r1"), "off");
  EXPECT_EQ(In(s, "add", 1), "off");
  EXPECT_EQ(Out(s, "r2"), "off");
}

TEST(Placement, PerChannelAxes) {
  Builder b;
  auto x = b.Input("x", {1, 4, 8, 8});
  auto conv = b.Op("Conv", "conv",
                   {x, b.Param("cw", {6, 4, 3, 3}), b.Param("cb", {6})});
  auto ct = b.Op("ConvTranspose", "convt",
                 {conv, b.Param("tw", {6, 5, 2, 2}), b.Param("tb", {5})});
  auto f = b.Op("Flatten", "flat", {ct});
  auto g0 = b.Op("Gemm", "gemm0", {f, b.Param("g0w", {80, 7})});
  auto g1 = b.Op("Gemm", "gemm1", {g0, b.Param("g1w", {9, 7})},
                 {{"transB", int64_t{1}}});
  auto m2 = b.Op("MatMul", "mm2", {g1, b.Param("m2w", {9, 3})});
  auto m3 = b.Op("MatMul", "mm3", {m2, b.Param("m3w", {2, 3, 5})});
  auto m1 = b.Op("MatMul", "mm1", {m3, b.Param("m1w", {5})});
  auto ln = b.Op("LayerNormalization", "ln", {m1, b.Param("lw", {1})});
  b.Output(b.Op("MatMul", "mmact", {ln, ln}));  // activation B: no param
  QuantSimConfig c = Builtin("default_config_per_channel.json");
  c.op_type.erase("Gemm");
  c.op_type.erase("MatMul");
  c.params.erase("bias");
  std::vector<QuantizerSpec> s = Place(b.g, c);
  auto axis = [&](const char* node, int i) {
    const QuantizerSpec* q = Find(s, QuantizerKind::kParam, node, i);
    EXPECT_NE(q, nullptr) << node;
    return q && q->channel_axis ? *q->channel_axis : -1;
  };
  EXPECT_EQ(axis("conv", 1), 0);
  EXPECT_EQ(axis("conv", 2), 0);
  EXPECT_EQ(axis("convt", 1), 1);  // [Cin, Cout/groups, k...]
  EXPECT_EQ(axis("convt", 2), 0);
  EXPECT_EQ(axis("gemm0", 1), 1);  // transB = 0: B is [K, N]
  EXPECT_EQ(axis("gemm1", 1), 0);  // transB = 1: B is [N, K]
  EXPECT_EQ(axis("mm2", 1), 1);
  EXPECT_EQ(axis("mm3", 1), 2);
  EXPECT_EQ(axis("mm1", 1), -1);  // 1-D weight: per tensor
  EXPECT_EQ(axis("ln", 1), -1);   // not a per-channel op type
  EXPECT_EQ(Par(s, "mmact", 1), "none");
  EXPECT_EQ(In(s, "mmact", 1), "off");
  for (const QuantizerSpec& q : s) {
    if (q.kind != QuantizerKind::kParam) {
      EXPECT_FALSE(q.channel_axis);
    }
  }
  // The shipped config turns Gemm and MatMul off; op_type wins over
  // defaults in both directions.
  c = Builtin("default_config_per_channel.json");
  c.op_type["Conv"].per_channel_quantization = false;
  s = Place(b.g, c);
  EXPECT_EQ(axis("conv", 1), -1);
  EXPECT_EQ(axis("gemm0", 1), -1);
  EXPECT_EQ(axis("mm2", 1), -1);
  EXPECT_EQ(axis("convt", 1), 1);
  c = Builtin("default_config.json");
  c.op_type["Gemm"].per_channel_quantization = true;
  s = Place(b.g, c);
  EXPECT_EQ(axis("conv", 1), -1);
  EXPECT_EQ(axis("gemm1", 1), 0);
}

TEST(Placement, BitwidthsAndFloat) {
  Builder b = ConvSigmoid();
  QuantSimOptions o;
  o.default_output_bw = 16;
  o.default_param_bw = 4;
  std::vector<QuantizerSpec> s =
      Place(b.g, Builtin("default_config_per_channel.json"), o);
  EXPECT_EQ(Find(s, QuantizerKind::kOutput, "conv", 0)->grid.bitwidth, 16);
  EXPECT_EQ(Find(s, QuantizerKind::kInput, "conv", 0)->grid.bitwidth, 16);
  EXPECT_EQ(Find(s, QuantizerKind::kParam, "conv", 1)->grid.bitwidth, 4);
  o.default_output_bw = 32;  // activations not quantized
  s = Place(b.g, Builtin("default_config.json"), o);
  EXPECT_EQ(Out(s, "conv"), "off");
  EXPECT_EQ(In(s, "conv"), "off");
  EXPECT_EQ(Out(s, "sig"), "off");
  EXPECT_EQ(Par(s, "conv", 1), "on");
  o = {};
  o.default_data_type = QuantDataType::kFloat16;
  o.default_output_bw = o.default_param_bw = 16;
  s = Place(b.g, Builtin("default_config_per_channel.json"), o);
  for (const QuantizerSpec& q : s) {
    EXPECT_EQ(q.dtype, QuantDataType::kFloat16);
    EXPECT_EQ(q.grid.bitwidth, 16);
    EXPECT_FALSE(q.channel_axis.has_value());
  }
  EXPECT_EQ(Par(s, "conv", 1), "on");
  o.default_output_bw = 8;  // invalid with float
  absl::StatusOr<std::vector<QuantizerSpec>> bad =
      PlaceQuantizers(b.g, Builtin("default_config.json"), o);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Placement, NonFloatValuesGetNoQuantizer) {
  Builder b;
  auto data = b.Input("data", {10, 4});
  auto idx = b.g.AddInput("idx", engine::DType::kI64, {3}).value();
  auto gather = b.Op("Gather", "gather", {data, idx});
  b.Output(b.Op("Relu", "relu", {gather}));
  std::vector<QuantizerSpec> s = Place(b.g, Builtin("default_config.json"));
  EXPECT_EQ(In(s, "gather", 0), "on");
  EXPECT_EQ(In(s, "gather", 1), "none");
  EXPECT_EQ(Out(s, "gather"), "off");
  EXPECT_EQ(In(s, "relu"), "off");
  EXPECT_EQ(s.size(), 4u);
}

}  // namespace
}  // namespace quantsim::quant
