#include "graph/op_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace quantsim::graph {

absl::Status OpRegistry::Register(OpDef def) {
  if (def.type.empty()) return absl::InvalidArgumentError("op with no type");
  if (def.infer == nullptr || def.make_cpu_kernel == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op ", def.type, " lacks shape inference or a CPU kernel"));
  }
  if (def.differentiable && def.backward == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("op ", def.type,
                     " has no backward and is not marked non-differentiable"));
  }
  if (def.min_inputs > def.max_inputs || def.min_outputs > def.max_outputs) {
    return absl::InvalidArgumentError(
        absl::StrCat("op ", def.type, " has an inverted arity range"));
  }
  const std::string type = def.type;
  if (!defs_.emplace(type, std::move(def)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("op ", type, " registered twice"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const OpDef*> OpRegistry::Find(const std::string& type) const {
  auto it = defs_.find(type);
  if (it == defs_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("op type '", type, "' is not supported"));
  }
  return &it->second;
}

std::vector<std::string> OpRegistry::Types() const {
  std::vector<std::string> out;
  for (const auto& [type, def] : defs_) out.push_back(type);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace quantsim::graph
