// FloatQuantize (quantsim): float ("dtype = float") simulation, spec §1.10:
// y = float(cast<dtype>(x)), an IEEE round-to-nearest-even round trip through
// fp16 or bf16 (kernels/cpu/float_quant; AIMET v1's x.half().float()).
//   inputs:  x (f32)
//   outputs: y (f32, same shape)
//   attrs:   dtype ("float16" | "bfloat16", default "float16")
// Backward: straight-through, dx = dy (AIMET treats the cast as identity).
// quantsim-internal: exported as a Cast pair or dropped by the exporters.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/float_quant/float_quant.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class FloatQuantizeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<FloatQuantizeKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    QS_ASSIGN_OR_RETURN(std::string dtype,
                        node.attrs.GetStringOr("dtype", "float16", where));
    auto k = std::make_unique<FloatQuantizeKernel>();
    if (dtype == "float16") {
      k->bf16_ = false;
    } else if (dtype == "bfloat16") {
      k->bf16_ = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": dtype '", dtype, "' (float16 | bfloat16)"));
    }
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    if (bf16_) {
      kernels::Bf16RoundTrip(x.data<float>(), y.data<float>(), x.numel(),
                             ctx.pool(), ctx.isa());
    } else {
      kernels::Fp16RoundTrip(x.data<float>(), y.data<float>(), x.numel(),
                             ctx.pool(), ctx.isa());
    }
    return absl::OkStatus();
  }

 private:
  bool bf16_ = false;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (b.needs_input_grad(0)) b.SetInputGrad(0, b.output_grad(0));
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeFloatQuantizeOp() {
  graph::OpDef d;
  d.type = "FloatQuantize";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"dtype", graph::AttrType::kString}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<FloatQuantizeKernel>;
  d.backward = Backward;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
