#include "ops/registry.h"

#include <cstdio>
#include <cstdlib>

#include "ops/op_list.h"

namespace quantsim::ops {

#define QUANTSIM_DECLARE_OP(name) graph::OpDef Make##name##Op();
QUANTSIM_OP_LIST(QUANTSIM_DECLARE_OP)
#undef QUANTSIM_DECLARE_OP

namespace {

graph::OpRegistry* Build() {
  auto* registry = new graph::OpRegistry();
#define QUANTSIM_REGISTER_OP(name)                                            \
  if (absl::Status s = registry->Register(Make##name##Op()); !s.ok()) {       \
    /* A broken op definition is a programming error caught by tests. */      \
    std::fprintf(stderr, "quantsim: %s\n", std::string(s.message()).c_str()); \
    std::abort();                                                             \
  }
  QUANTSIM_OP_LIST(QUANTSIM_REGISTER_OP)
#undef QUANTSIM_REGISTER_OP
  return registry;
}

}  // namespace

const graph::OpRegistry& BuiltinOps() {
  static const graph::OpRegistry* registry = Build();
  return *registry;
}

}  // namespace quantsim::ops
