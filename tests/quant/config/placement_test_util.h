// Helpers for the placement tests: a terse graph builder and spec lookup.
#ifndef QUANTSIM_TESTS_QUANT_CONFIG_PLACEMENT_TEST_UTIL_H_
#define QUANTSIM_TESTS_QUANT_CONFIG_PLACEMENT_TEST_UTIL_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/tensor.h"
#include "graph/graph.h"
#include "gtest/gtest.h"
#include "quant/config/placement.h"
#include "quant/config/quantsim_config.h"

namespace quantsim::quant::testing {

class Builder {
 public:
  graph::ValueId Input(const std::string& name, std::vector<int64_t> dims) {
    return g.AddInput(name, engine::DType::kF32, std::move(dims)).value();
  }
  graph::ValueId Param(const std::string& name, std::vector<int64_t> dims) {
    engine::Tensor t =
        engine::Tensor::Zeros(engine::Shape(dims), engine::DType::kF32).value();
    return g.AddParameter(name, std::move(t)).value();
  }
  graph::ValueId Const(const std::string& name, std::vector<int64_t> dims) {
    engine::Tensor t =
        engine::Tensor::Zeros(engine::Shape(dims), engine::DType::kF32).value();
    return g.AddConstant(name, std::move(t)).value();
  }
  // Adds a node named `name` whose single output is named `name` + "_out".
  graph::ValueId Op(const std::string& op, const std::string& name,
                    std::vector<graph::ValueId> inputs,
                    graph::Attributes attrs = {}) {
    return g
        .AddNode(op, std::move(inputs), std::move(attrs), 1, name,
                 {name + "_out"})
        .value()[0];
  }
  void Output(graph::ValueId v) { ASSERT_TRUE(g.AddOutput(v).ok()); }

  graph::Graph g;
};

inline const QuantizerSpec* Find(const std::vector<QuantizerSpec>& specs,
                                 QuantizerKind kind, const std::string& node,
                                 int index) {
  for (const QuantizerSpec& s : specs) {
    if (s.kind == kind && s.node == node && s.index == index) return &s;
  }
  return nullptr;
}

// "on", "off" or "none" (no quantizer at that position).
inline std::string State(const std::vector<QuantizerSpec>& specs,
                         QuantizerKind kind, const std::string& node,
                         int index) {
  const QuantizerSpec* s = Find(specs, kind, node, index);
  return s == nullptr ? "none" : s->enabled ? "on" : "off";
}
inline std::string Out(const std::vector<QuantizerSpec>& s,
                       const std::string& node, int index = 0) {
  return State(s, QuantizerKind::kOutput, node, index);
}
inline std::string In(const std::vector<QuantizerSpec>& s,
                      const std::string& node, int index = 0) {
  return State(s, QuantizerKind::kInput, node, index);
}
inline std::string Par(const std::vector<QuantizerSpec>& s,
                       const std::string& node, int index) {
  return State(s, QuantizerKind::kParam, node, index);
}

inline QuantSimConfig Builtin(const std::string& name) {
  absl::StatusOr<QuantSimConfig> c = BuiltinQuantSimConfig(name);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : QuantSimConfig{};
}

// A config from the JSON of its five non-default sections (the defaults
// are default_config.json's).
inline QuantSimConfig Config(const std::string& params,
                             const std::string& op_type,
                             const std::string& supergroups,
                             const std::string& model_input = "{}",
                             const std::string& model_output = "{}",
                             const std::string& defaults_extra = "") {
  const std::string json = absl::StrCat(
      R"({"defaults": {"ops": {"is_output_quantized": "True"},
          "params": {"is_quantized": "True", "is_symmetric": "True"})",
      defaults_extra, R"(}, "params": )", params, R"(, "op_type": )", op_type,
      R"(, "supergroups": )", supergroups, R"(, "model_input": )", model_input,
      R"(, "model_output": )", model_output, "}");
  absl::StatusOr<QuantSimConfig> c = ParseQuantSimConfig(json, "test.json");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : QuantSimConfig{};
}

inline std::vector<QuantizerSpec> Place(const graph::Graph& g,
                                        const QuantSimConfig& c,
                                        const QuantSimOptions& o = {}) {
  absl::StatusOr<std::vector<QuantizerSpec>> s = PlaceQuantizers(g, c, o);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : std::vector<QuantizerSpec>{};
}

}  // namespace quantsim::quant::testing

#endif  // QUANTSIM_TESTS_QUANT_CONFIG_PLACEMENT_TEST_UTIL_H_
