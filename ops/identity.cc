// Identity: y = x (a view, no copy). ONNX Identity.
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class IdentityKernel final : public graph::OpKernel {
 public:
  explicit IdentityKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    ctx.SetOutput(0, ctx.input(0));
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  b.SetInputGrad(0, b.output_grad(0));
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeIdentityOp() {
  graph::OpDef d;
  d.type = "Identity";
  d.min_inputs = d.max_inputs = 1;
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<IdentityKernel>;
  d.backward = Backward;
  d.onnx = {"Identity", "", 1};
  return d;
}

}  // namespace quantsim::ops
