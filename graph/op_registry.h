// quantsim graph: the registry of op definitions.
//
// Contract: an OpRegistry maps op type names to OpDefs. It is filled once
// (ops/ builds the builtin one from its op list) and read-only afterwards,
// so it is safe to share between threads. No switch on op kind exists
// outside it.
#ifndef QUANTSIM_GRAPH_OP_REGISTRY_H_
#define QUANTSIM_GRAPH_OP_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/op_def.h"

namespace quantsim::graph {

class OpRegistry {
 public:
  // AlreadyExists on a duplicate type; InvalidArgument on a def missing its
  // shape inference or CPU kernel, or with neither backward nor an explicit
  // non-differentiable mark.
  absl::Status Register(OpDef def);
  // Unimplemented naming the type when no op of that type is registered.
  absl::StatusOr<const OpDef*> Find(const std::string& type) const;
  std::vector<std::string> Types() const;  // sorted
  int size() const { return static_cast<int>(defs_.size()); }

 private:
  absl::flat_hash_map<std::string, OpDef> defs_;
};

}  // namespace quantsim::graph

#endif  // QUANTSIM_GRAPH_OP_REGISTRY_H_
