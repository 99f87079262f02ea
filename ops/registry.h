// quantsim ops: the registry of built-in ops.
//
// Contract: BuiltinOps() returns the registry holding every op of
// ops/op_list.h; it is built on first use and immutable afterwards (safe to
// share between threads). Callers that add ops of their own copy it:
// `graph::OpRegistry mine = BuiltinOps(); mine.Register(...)`.
#ifndef QUANTSIM_OPS_REGISTRY_H_
#define QUANTSIM_OPS_REGISTRY_H_

#include "graph/op_registry.h"

namespace quantsim::ops {

const graph::OpRegistry& BuiltinOps();

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_REGISTRY_H_
