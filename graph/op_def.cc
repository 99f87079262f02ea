#include "graph/op_def.h"

#include "absl/strings/str_cat.h"

namespace quantsim::graph {

const engine::Tensor* InferContext::constant_input(int i) const {
  if (!has_input(i)) return nullptr;
  const Value& v = graph_.value(node_.inputs[i]);
  if (v.kind == ValueKind::kConstant || v.kind == ValueKind::kParameter) {
    return &v.data;
  }
  return nullptr;
}

absl::Status InferContext::Error(const std::string& message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(node_.Describe(), ": ", message));
}

absl::Status KernelContext::Error(const std::string& message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(node().Describe(), ": ", message));
}

absl::StatusOr<ValueId> GradBuilder::Emit1(const std::string& op_type,
                                           std::vector<ValueId> inputs,
                                           Attributes attrs) {
  absl::StatusOr<std::vector<ValueId>> out =
      Emit(op_type, std::move(inputs), std::move(attrs), 1);
  if (!out.ok()) return out.status();
  return (*out)[0];
}

absl::Status OpDef::Validate(const Node& node) const {
  const int n_in = static_cast<int>(node.inputs.size());
  const int n_out = static_cast<int>(node.outputs.size());
  if (n_in < min_inputs || n_in > max_inputs) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": ", n_in, " inputs, expected ",
                     min_inputs, "..", max_inputs));
  }
  if (n_out < min_outputs || n_out > max_outputs) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": ", n_out, " outputs, expected ",
                     min_outputs, "..", max_outputs));
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (node.inputs[i] == kNoValue) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": required input ", i, " is missing"));
    }
  }
  for (const AttrSpec& spec : attrs) {
    auto it = node.attrs.values().find(spec.name);
    if (it == node.attrs.values().end()) {
      if (spec.required) {
        return absl::InvalidArgumentError(absl::StrCat(
            node.Describe(), ": missing required attribute '", spec.name, "'"));
      }
      continue;
    }
    const AttrType got = TypeOf(it->second);
    const bool int_as_float =
        spec.type == AttrType::kFloat && got == AttrType::kInt;
    if (got != spec.type && !int_as_float) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": attribute '", spec.name, "' must be ",
          AttrTypeName(spec.type), ", got ", AttrTypeName(got)));
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::graph
