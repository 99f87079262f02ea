// ParseQuantSimConfig: the shipped configs (embedded and on disk), every
// field, and every validation error with the JSON path it names.
#include "quant/config/quantsim_config.h"

#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantsim::quant {
namespace {

using ::testing::HasSubstr;

std::string ConfigPath(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir ? std::string(srcdir) + "/" +
                                  (workspace ? workspace : "quantsim") + "/"
                            : "";
  return base + "quant/configs/" + name;
}

TEST(BuiltinConfigs, EmbeddedTextEqualsShippedFiles) {
  ASSERT_EQ(BuiltinQuantSimConfigNames(),
            (std::vector<std::string>{"default_config.json",
                                      "default_config_per_channel.json",
                                      "htp_quantsim_config_v73.json"}));
  for (const std::string& name : BuiltinQuantSimConfigNames()) {
    absl::StatusOr<std::string> embedded = BuiltinQuantSimConfigText(name);
    ASSERT_TRUE(embedded.ok()) << embedded.status();
    absl::StatusOr<std::string> file = engine::ReadFile(ConfigPath(name));
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(*embedded, *file) << name;
    absl::StatusOr<QuantSimConfig> c = ReadQuantSimConfigFile(ConfigPath(name));
    EXPECT_TRUE(c.ok()) << c.status();
  }
  EXPECT_EQ(BuiltinQuantSimConfigText("nope.json").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadQuantSimConfigFile("/nonexistent/c.json").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BuiltinConfigs, DefaultConfig) {
  absl::StatusOr<QuantSimConfig> c = LoadQuantSimConfig("");  // the default
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source, "<builtin>/default_config.json");
  EXPECT_EQ(c->defaults.ops_is_output_quantized, true);
  EXPECT_EQ(c->defaults.ops_is_symmetric, std::nullopt);  // asymmetric
  EXPECT_EQ(c->defaults.params.is_quantized, true);
  EXPECT_EQ(c->defaults.params.is_symmetric, true);
  EXPECT_EQ(c->defaults.strict_symmetric, false);
  EXPECT_EQ(c->defaults.unsigned_symmetric, std::nullopt);
  EXPECT_EQ(c->defaults.per_channel_quantization, false);
  EXPECT_TRUE(c->defaults.supported_kernels.empty());
  ASSERT_EQ(c->params.count("bias"), 1u);
  EXPECT_EQ(c->params.at("bias").is_quantized, false);
  std::vector<std::string> no_output;
  for (const auto& [type, op] : c->op_type) {
    if (op.is_output_quantized == false) no_output.push_back(type);
  }
  EXPECT_EQ(no_output,
            (std::vector<std::string>{"Cast", "Dropout", "Expand", "Gather",
                                      "Mean", "Pad", "Squeeze"}));
  std::vector<std::vector<std::string>> groups;
  for (const Supergroup& g : c->supergroups) groups.push_back(g.op_list);
  EXPECT_EQ(groups,
            (std::vector<std::vector<std::string>>{{"Conv", "Relu"},
                                                   {"ConvTranspose", "Relu"},
                                                   {"Conv", "Clip"},
                                                   {"Add", "Relu"},
                                                   {"Gemm", "Relu"}}));
  EXPECT_TRUE(c->model_input_quantized);
  EXPECT_FALSE(c->model_output_quantized);
}

TEST(BuiltinConfigs, PerChannelConfig) {
  absl::StatusOr<QuantSimConfig> c =
      BuiltinQuantSimConfig("default_config_per_channel.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->defaults.per_channel_quantization, true);
  for (const char* t : {"Gemm", "MatMul", "LayerNorm"}) {
    ASSERT_EQ(c->op_type.count(t), 1u) << t;
    EXPECT_EQ(c->op_type.at(t).per_channel_quantization, false) << t;
  }
  EXPECT_EQ(c->op_type.count("Conv"), 0u);
  EXPECT_EQ(c->supergroups.size(), 5u);
  EXPECT_TRUE(c->model_input_quantized);
}

TEST(BuiltinConfigs, HtpV73Config) {
  absl::StatusOr<QuantSimConfig> c =
      BuiltinQuantSimConfig("htp_quantsim_config_v73.json");
  ASSERT_TRUE(c.ok()) << c.status();
  const DefaultsConfig& d = c->defaults;
  EXPECT_EQ(d.hw_version, "V73");
  EXPECT_EQ(d.per_channel_quantization, true);
  EXPECT_EQ(d.strict_symmetric, false);
  EXPECT_EQ(d.unsigned_symmetric, false);
  ASSERT_EQ(d.supported_kernels.size(), 4u);
  EXPECT_EQ(d.supported_kernels[0].activation.bitwidth, 16);
  EXPECT_FALSE(d.supported_kernels[0].activation.is_float);
  EXPECT_EQ(d.supported_kernels[0].param->bitwidth, 8);
  EXPECT_TRUE(d.supported_kernels[3].activation.is_float);
  int no_output = 0;
  for (const auto& [type, op] : c->op_type) {
    no_output += op.is_output_quantized == false;
  }
  EXPECT_EQ(no_output, 29);
  for (const char* t :
       {"Gather", "Gemm", "GroupNormalization", "LayerNormalization",
        "BatchNormalization", "InstanceNormalization", "MatMul"}) {
    EXPECT_EQ(c->op_type.at(t).per_channel_quantization, false) << t;
  }
  EXPECT_EQ(c->op_type.at("GroupNormalization").params.at("bias").is_quantized,
            true);
  EXPECT_EQ(
      c->op_type.at("LayerNormalization").params.at("weight").is_symmetric,
      false);
  const OpTypeConfig& bn = c->op_type.at("BatchNormalization");
  EXPECT_EQ(bn.params.at("running_mean").is_quantized, false);
  EXPECT_EQ(bn.params.at("running_var").is_quantized, false);
  for (const char* t : {"Sigmoid", "Softmax"}) {
    ASSERT_TRUE(c->op_type.at(t).encoding_constraints.has_value()) << t;
    EXPECT_EQ(c->op_type.at(t).encoding_constraints->min, 0.0);
    EXPECT_EQ(c->op_type.at(t).encoding_constraints->max, 1.0);
  }
  ASSERT_EQ(c->supergroups.size(), 12u);
  EXPECT_EQ(c->supergroups[3].op_list,
            (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
}

// A config built from named sections; a section mapped to "" is left out.
std::string Json(std::map<std::string, std::string> over = {}) {
  std::map<std::string, std::string> s = {
      {"defaults",
       R"({"ops": {"is_output_quantized": "True"},
           "params": {"is_quantized": "True"}})"},
      {"params", "{}"},
      {"op_type", "{}"},
      {"supergroups", "[]"},
      {"model_input", "{}"},
      {"model_output", "{}"}};
  for (const auto& [k, v] : over) s[k] = v;
  std::string out = "{";
  for (const auto& [k, v] : s) {
    if (v.empty()) continue;
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", "\"", k, "\": ", v);
  }
  return out + "}";
}

TEST(ParseQuantSimConfig, MinimalAndAllFields) {
  absl::StatusOr<QuantSimConfig> c = ParseQuantSimConfig(Json(), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->model_input_quantized);
  c = ParseQuantSimConfig(
      Json({{"defaults",
             R"({"ops": {"is_output_quantized": true, "is_symmetric": false},
                 "params": {"is_quantized": "False", "is_symmetric": "True"},
                 "strict_symmetric": "True", "unsigned_symmetric": "True",
                 "per_channel_quantization": "True", "hw_version": "V79",
                 "supported_kernels": [{"activation": {"bitwidth": 8,
                   "dtype": "int"}, "param": {"bitwidth": 4,
                   "dtype": "int"}}]})"},
            {"params", R"({"weight": {"is_symmetric": "False"}})"},
            {"op_type",
             R"({"Conv": {"is_input_quantized": "True",
                 "is_output_quantized": "False", "is_symmetric": "True",
                 "per_channel_quantization": "False",
                 "params": {"bias": {"is_quantized": "True"}},
                 "supported_kernels": [{"activation": {"bitwidth": 16,
                   "dtype": "float"}}],
                 "encoding_constraints": {"min": -2.5, "max": 0.1}}})"},
            {"supergroups", R"([{"op_list": ["Conv", "Relu", "Add"]}])"},
            {"model_input", R"({"is_input_quantized": "True"})"},
            {"model_output", R"({"is_output_quantized": "True"})"}}),
      "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->defaults.ops_is_output_quantized, true);  // JSON true
  EXPECT_EQ(c->defaults.ops_is_symmetric, false);
  EXPECT_EQ(c->defaults.params.is_quantized, false);
  EXPECT_EQ(c->defaults.strict_symmetric, true);
  EXPECT_EQ(c->defaults.unsigned_symmetric, true);
  EXPECT_EQ(c->defaults.hw_version, "V79");
  EXPECT_EQ(c->defaults.supported_kernels[0].param->bitwidth, 4);
  EXPECT_EQ(c->params.at("weight").is_symmetric, false);
  EXPECT_EQ(c->params.at("weight").is_quantized, std::nullopt);
  const OpTypeConfig& conv = c->op_type.at("Conv");
  EXPECT_EQ(conv.is_input_quantized, true);
  EXPECT_EQ(conv.is_output_quantized, false);
  EXPECT_EQ(conv.is_symmetric, true);
  EXPECT_EQ(conv.per_channel_quantization, false);
  EXPECT_EQ(conv.params.at("bias").is_quantized, true);
  ASSERT_EQ(conv.supported_kernels.size(), 1u);
  EXPECT_TRUE(conv.supported_kernels[0].activation.is_float);
  EXPECT_FALSE(conv.supported_kernels[0].param.has_value());
  EXPECT_EQ(conv.encoding_constraints->min, -2.5);
  EXPECT_EQ(conv.encoding_constraints->max, 0.1);  // full precision
  EXPECT_EQ(c->supergroups[0].op_list.size(), 3u);
  EXPECT_TRUE(c->model_input_quantized);
  EXPECT_TRUE(c->model_output_quantized);
}

struct BadCase {
  const char* name;
  std::map<std::string, std::string> over;
  const char* message;  // expected substring, "c.json: <path>: ..."
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, NamesThePath) {
  absl::StatusOr<QuantSimConfig> c =
      ParseQuantSimConfig(Json(GetParam().over), "c.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(GetParam().message));
}

const char kOps[] = R"("ops": {"is_output_quantized": "True"})";
const char kParams[] = R"("params": {"is_quantized": "True"})";
std::string Defaults(const std::string& extra) {
  return absl::StrCat("{", kOps, ", ", kParams, ", ", extra, "}");
}
std::string Kernel(const std::string& act, const std::string& param = "") {
  return absl::StrCat(R"([{"activation": )", act,
                      param.empty() ? "" : R"(, "param": )", param, "}]");
}

INSTANTIATE_TEST_SUITE_P(
    AllErrors, BadConfig,
    ::testing::Values(
        BadCase{"NotJson", {{"params", "{,}"}}, "c.json: JSON parse error"},
        BadCase{"MissingDefaults",
                {{"defaults", ""}},
                "c.json: defaults: required key missing"},
        BadCase{"MissingParams",
                {{"params", ""}},
                "c.json: params: required key missing"},
        BadCase{"MissingOpType",
                {{"op_type", ""}},
                "c.json: op_type: required key missing"},
        BadCase{"MissingSupergroups",
                {{"supergroups", ""}},
                "c.json: supergroups: required key missing"},
        BadCase{"MissingModelInput",
                {{"model_input", ""}},
                "c.json: model_input: required key missing"},
        BadCase{"MissingModelOutput",
                {{"model_output", ""}},
                "c.json: model_output: required key missing"},
        BadCase{"UnknownTopLevelKey",
                {{"extra", "{}"}},
                "c.json: extra: unknown key"},
        BadCase{"DefaultsMissingOps",
                {{"defaults", absl::StrCat("{", kParams, "}")}},
                "c.json: defaults.ops: required key missing"},
        BadCase{"DefaultsMissingParams",
                {{"defaults", absl::StrCat("{", kOps, "}")}},
                "c.json: defaults.params: required key missing"},
        BadCase{"DefaultsUnknownKey",
                {{"defaults", Defaults(R"("foo": "True")")}},
                "c.json: defaults.foo: unknown key"},
        BadCase{"DefaultsInputQuantized",
                {{"defaults",
                  absl::StrCat(R"({"ops": {"is_input_quantized": "True"}, )",
                               kParams, "}")}},
                "c.json: defaults.ops.is_input_quantized: not supported"},
        BadCase{"DefaultsOutputFalse",
                {{"defaults",
                  absl::StrCat(R"({"ops": {"is_output_quantized": "False"}, )",
                               kParams, "}")}},
                "c.json: defaults.ops.is_output_quantized: \"False\" is not "
                "supported"},
        BadCase{"LowercaseBool",
                {{"defaults", Defaults(R"("strict_symmetric": "true")")}},
                "c.json: defaults.strict_symmetric: expected \"True\" or "
                "\"False\""},
        BadCase{"NumberAsBool",
                {{"defaults", Defaults(R"("unsigned_symmetric": 1)")}},
                "c.json: defaults.unsigned_symmetric: expected \"True\""},
        BadCase{"DefaultsParamsUnknownKey",
                {{"defaults",
                  absl::StrCat("{", kOps, R"(, "params": {"bitwidth": 8}})")}},
                "c.json: defaults.params.bitwidth: unknown key"},
        BadCase{"HwVersionNotString",
                {{"defaults", Defaults(R"("hw_version": 73)")}},
                "c.json: defaults.hw_version: expected a string"},
        BadCase{"KernelsEmpty",
                {{"defaults", Defaults(R"("supported_kernels": [])")}},
                "c.json: defaults.supported_kernels: expected at least 1"},
        BadCase{
            "KernelBitwidth",
            {{"defaults", Defaults(absl::StrCat(
                              R"("supported_kernels": )",
                              Kernel(R"({"bitwidth": 6, "dtype": "int"})",
                                     R"({"bitwidth": 8, "dtype": "int"})")))}},
            "c.json: defaults.supported_kernels[0].activation.bitwidth: "
            "expected one of 4, 8, 16, 32"},
        BadCase{"KernelFloatBitwidth",
                {{"defaults",
                  Defaults(absl::StrCat(
                      R"("supported_kernels": )",
                      Kernel(R"({"bitwidth": 16, "dtype": "int"})",
                             R"({"bitwidth": 8, "dtype": "float"})")))}},
                "c.json: defaults.supported_kernels[0].param.bitwidth: dtype "
                "float is only supported with bitwidth 16"},
        BadCase{
            "KernelDtype",
            {{"defaults", Defaults(absl::StrCat(
                              R"("supported_kernels": )",
                              Kernel(R"({"bitwidth": 8, "dtype": "uint"})",
                                     R"({"bitwidth": 8, "dtype": "int"})")))}},
            "c.json: defaults.supported_kernels[0].activation.dtype: "
            "expected \"int\" or \"float\""},
        BadCase{
            "DefaultsKernelNeedsParam",
            {{"defaults", Defaults(absl::StrCat(
                              R"("supported_kernels": )",
                              Kernel(R"({"bitwidth": 8, "dtype": "int"})")))}},
            "c.json: defaults.supported_kernels[0].param: required key "
            "missing"},
        BadCase{"KernelMissingDtype",
                {{"op_type", absl::StrCat(R"({"Conv": {"supported_kernels": )",
                                          Kernel(R"({"bitwidth": 8})"), "}}")}},
                "c.json: op_type.Conv.supported_kernels[0].activation.dtype: "
                "required key missing"},
        BadCase{"ParamsEntryNotObject",
                {{"params", R"({"bias": "False"})"}},
                "c.json: params.bias: expected an object"},
        BadCase{"ParamsUnknownKey",
                {{"params", R"({"bias": {"is_output_quantized": "False"}})"}},
                "c.json: params.bias.is_output_quantized: unknown key"},
        BadCase{
            "OpTypePerChannelBool",
            {{"op_type", R"({"Conv": {"per_channel_quantization": "yes"}})"}},
            "c.json: op_type.Conv.per_channel_quantization: expected "
            "\"True\" or \"False\""},
        BadCase{"OpTypeInputFalse",
                {{"op_type", R"({"Add": {"is_input_quantized": "False"}})"}},
                "c.json: op_type.Add.is_input_quantized: \"False\" is not "
                "supported"},
        BadCase{"OpTypeUnknownKey",
                {{"op_type", R"({"Relu": {"bitwidth": 8}})"}},
                "c.json: op_type.Relu.bitwidth: unknown key"},
        BadCase{"OpTypeParamBool",
                {{"op_type",
                  R"({"Conv": {"params": {"weight": {"is_symmetric": 0}}}})"}},
                "c.json: op_type.Conv.params.weight.is_symmetric: expected"},
        BadCase{"ConstraintsMissingMax",
                {{"op_type",
                  R"({"Softmax": {"encoding_constraints": {"min": 0}}})"}},
                "c.json: op_type.Softmax.encoding_constraints.max: required "
                "key missing"},
        BadCase{"ConstraintsNotNumber",
                {{"op_type", R"({"Softmax": {"encoding_constraints":
                                   {"min": "0", "max": 1}}})"}},
                "c.json: op_type.Softmax.encoding_constraints.min: expected a "
                "number"},
        BadCase{"ConstraintsMinAboveMax",
                {{"op_type", R"({"Sigmoid": {"encoding_constraints":
                                   {"min": 2, "max": 1}}})"}},
                "c.json: op_type.Sigmoid.encoding_constraints: min must not "
                "exceed max"},
        BadCase{"SupergroupsNotArray",
                {{"supergroups", "{}"}},
                "c.json: supergroups: expected an array"},
        BadCase{"OpListTooShort",
                {{"supergroups", R"([{"op_list": ["Conv"]}])"}},
                "c.json: supergroups[0].op_list: expected at least 2"},
        BadCase{"OpListMissing",
                {{"supergroups", "[{}]"}},
                "c.json: supergroups[0].op_list: required key missing"},
        BadCase{"SupergroupUnknownKey",
                {{"supergroups", R"([{"ops": ["A", "B"]}])"}},
                "c.json: supergroups[0].ops: unknown key"},
        BadCase{
            "OpListNotStrings",
            {{"supergroups",
              R"([{"op_list": ["Conv", "Relu"]}, {"op_list": ["Add", 3]}])"}},
            "c.json: supergroups[1].op_list[1]: expected an op type"},
        BadCase{"ModelInputFalse",
                {{"model_input", R"({"is_input_quantized": "False"})"}},
                "c.json: model_input.is_input_quantized: only \"True\""},
        BadCase{"ModelInputUnknownKey",
                {{"model_input", R"({"is_output_quantized": "True"})"}},
                "c.json: model_input.is_output_quantized: unknown key"},
        BadCase{"ModelOutputFalse",
                {{"model_output", R"({"is_output_quantized": "False"})"}},
                "c.json: model_output.is_output_quantized: only \"True\""},
        BadCase{"DuplicateKey",
                {{"op_type", R"({"Conv": {}, "Conv": {}})"}},
                "c.json: op_type.Conv: duplicate key"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    });

TEST(ParseQuantSimConfig, RootNotObject) {
  absl::StatusOr<QuantSimConfig> c = ParseQuantSimConfig("[1, 2]", "r.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "r.json: (root): expected an object");
}

}  // namespace
}  // namespace quantsim::quant
