// Every op of ops/op_list.h has shape inference, a CPU kernel, a backward or
// an explicit non-differentiable mark, and an ONNX mapping or is internal.
#include "ops/registry.h"

#include "gtest/gtest.h"

namespace quantsim::ops {
namespace {

TEST(Registry, EveryOpIsComplete) {
  const graph::OpRegistry& r = BuiltinOps();
  ASSERT_GT(r.size(), 0);
  for (const std::string& type : r.Types()) {
    SCOPED_TRACE(type);
    const graph::OpDef* d = r.Find(type).value();
    EXPECT_NE(d->infer, nullptr);
    EXPECT_NE(d->make_cpu_kernel, nullptr);
    EXPECT_TRUE(d->backward != nullptr || !d->differentiable);
    if (d->onnx.op_type.empty()) {
      EXPECT_EQ(d->onnx.min_opset, 0) << "internal ops say min_opset 0";
    } else {
      EXPECT_GE(d->onnx.min_opset, 1);
    }
    EXPECT_LE(d->min_inputs, d->max_inputs);
  }
  EXPECT_EQ(r.Find("NoSuchOp").status().code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace quantsim::ops
