// quantsim ops: geometry shared by Conv, ConvTranspose, MatMul and their
// gradient ops (ONNX semantics, opset 11+ forms).
//
// Contract:
//  - ConvAttrs holds a Conv/ConvTranspose node's attributes, parsed once.
//  - ConvGeometry computes, from possibly partly unknown dims (-1), the
//    output dims (-1 where not known until run time) and, when every dim it
//    needs is known, the kernels::ConvShape to run. For ConvTranspose the
//    ConvShape describes the conv whose INPUT is the transpose's output (so
//    its forward is the transpose's input gradient), see kernels/cpu/conv.
//  - MatMulGeometry does the same for numpy matmul: 1-D promotion and
//    broadcast batch dims; at run time it lists, per output batch, the
//    offsets of the A and B matrices.
//  - Errors are InvalidArgument messages WITHOUT the node prefix: callers
//    wrap them with InferContext::Error / KernelContext::Error.
#ifndef QUANTSIM_OPS_NN_UTIL_H_
#define QUANTSIM_OPS_NN_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"
#include "kernels/cpu/conv/conv.h"

namespace quantsim::ops {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

struct ConvAttrs {
  bool transpose = false;
  AutoPad auto_pad = AutoPad::kNotSet;
  int64_t group = 1;
  std::vector<int64_t> kernel_shape;  // empty = from the weight
  std::vector<int64_t> strides, dilations, pads;
  std::vector<int64_t> output_padding, output_shape;  // ConvTranspose only
};

// The attribute specs of Conv (transpose = false) or ConvTranspose.
std::vector<graph::AttrSpec> ConvAttrSpecs(bool transpose);

absl::StatusOr<ConvAttrs> ParseConvAttrs(const graph::Attributes& attrs,
                                         const std::string& where,
                                         bool transpose);

struct ConvGeometry {
  std::vector<int64_t> y_dims;  // output dims; -1 = known at run time
  bool resolved = false;        // shape below is valid
  kernels::ConvShape shape;
};

// x: [N, C, spatial...] (rank 3..5), w: Conv [M, C/group, k...] or
// ConvTranspose [C, M/group, k...]. Dims may be -1.
absl::StatusOr<ConvGeometry> ComputeConvGeometry(const ConvAttrs& a,
                                                 const std::vector<int64_t>& x,
                                                 const std::vector<int64_t>& w);

// ComputeConvGeometry on run-time shapes; errors name the node.
absl::StatusOr<kernels::ConvShape> RunConvShape(const graph::KernelContext& ctx,
                                                const ConvAttrs& a,
                                                const engine::Shape& x,
                                                const engine::Shape& w);

// Kernel factory for K(ConvAttrs) (Conv, ConvTranspose and their grads).
template <typename K, bool kTranspose>
absl::StatusOr<std::unique_ptr<graph::OpKernel>> MakeConvKernel(
    const graph::Node& node) {
  absl::StatusOr<ConvAttrs> a =
      ParseConvAttrs(node.attrs, node.Describe(), kTranspose);
  if (!a.ok()) return a.status();
  return std::unique_ptr<graph::OpKernel>(std::make_unique<K>(std::move(*a)));
}

// Base for the kernels of Conv, ConvTranspose and their gradient ops.
class ConvKernelBase : public graph::OpKernel {
 public:
  explicit ConvKernelBase(ConvAttrs a) : attrs_(std::move(a)) {}

 protected:
  ConvAttrs attrs_;
};

// Optional bias (input 2) of Conv / ConvTranspose: when present, made
// contiguous into `holder`, checked to have `channels` values and pointed to
// by `bias` (left nullptr when absent).
absl::Status ReadConvBias(graph::KernelContext& ctx, int64_t channels,
                          engine::Tensor& holder, const float*& bias);

// The operands of a conv gradient kernel with inputs (in0, in1, like):
// grad_input: (dy, w, x) -> dx; else grad_weight: (x, dy, w) -> dw. in0 and
// in1 are contiguous, `s` comes from the run-time x and w shapes, dy is
// checked against the conv's y (ConvTranspose: x) and `out` is output 0,
// allocated like input 2.
struct ConvGradOperands {
  engine::Tensor in0, in1, out;
  kernels::ConvShape s;
};
absl::StatusOr<ConvGradOperands> PrepareConvGrad(graph::KernelContext& ctx,
                                                 const ConvAttrs& a,
                                                 bool grad_input);

// Shape inference of Conv (transpose = false) / ConvTranspose.
absl::Status InferConvOp(graph::InferContext& c, bool transpose);

// Backward of Conv / ConvTranspose: emits grad_input(dy, w, x),
// grad_weight(x, dy, w) (both with the node's attributes) and
// ConvGradBias(dy) for the inputs that need a gradient.
absl::Status ConvOpBackward(graph::GradBuilder& b,
                            const std::string& grad_input,
                            const std::string& grad_weight);

// An internal (not differentiable, not exported) gradient op with `inputs`
// inputs and the Conv / ConvTranspose attributes; output typed like input 2.
graph::OpDef ConvInternalGradOp(const std::string& type, int inputs,
                                bool transpose);

// Checks that input i of the node is f32 and of rank `rank` (any if < 0). that
// must be rank `rank` (or any rank if < 0).
absl::Status RequireRank(const graph::InferContext& c, int i, int rank);

struct MatMulGeometry {
  int64_t m = -1, n = -1, k = -1;
  std::vector<int64_t> batch;   // broadcast batch dims (-1 unknown)
  std::vector<int64_t> y_dims;  // numpy output dims
  // Run time only (every dim known): per output batch, the element offsets
  // of the A matrix [m, k] and B matrix [k, n] (inputs contiguous), and
  // whether A / B actually vary over the batch.
  std::vector<int64_t> a_offset, b_offset;
  int64_t a_batches = 1, b_batches = 1;  // distinct matrices in A / B
};

absl::StatusOr<MatMulGeometry> ComputeMatMulGeometry(
    const std::vector<int64_t>& a, const std::vector<int64_t>& b,
    bool run_time);

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_NN_UTIL_H_
