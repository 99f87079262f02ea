// A tiny f32 op set for testing train/ without depending on ops/ families
// still being written, registered into a copy of ops::BuiltinOps() under
// names of their own (so later builtin ops change nothing here): TSub, TMul
// (same shape), TNeg, TMatMul (2-D, "ta" / "tb" transposes), TAddBias
// ([n, k] + [k]), TColSum ([n, k] -> [k]), TSumAll (-> scalar), TBroadcast
// (scalar to the shape of input 1), TrainScale (y = training ? 2x : x, to
// observe the run mode), and Add (same shape; only when the builtin registry
// lacks it: autograd accumulates gradients through "Add"). Plain loops.
#ifndef QUANTSIM_TESTS_TRAIN_TEST_OPS_H_
#define QUANTSIM_TESTS_TRAIN_TEST_OPS_H_

#include "graph/op_registry.h"

namespace quantsim::train::testing {

const graph::OpRegistry& TrainTestRegistry();

}  // namespace quantsim::train::testing

#endif  // QUANTSIM_TESTS_TRAIN_TEST_OPS_H_
