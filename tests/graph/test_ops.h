// A tiny op set for testing graph/ without ops/: same-shape Add and Mul,
// Relu, SumAll (to a scalar), MatMul (2-D), Broadcast (scalar to shape of
// its second input), all f32 with plain loops, with backward functions.
#ifndef QUANTSIM_TESTS_GRAPH_TEST_OPS_H_
#define QUANTSIM_TESTS_GRAPH_TEST_OPS_H_

#include "graph/op_registry.h"

namespace quantsim::graph::testing {

const OpRegistry& TestRegistry();

}  // namespace quantsim::graph::testing

#endif  // QUANTSIM_TESTS_GRAPH_TEST_OPS_H_
