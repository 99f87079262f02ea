// quantsim ops: helpers shared by op definitions (shape rules, kernel
// factories, common checks). Nothing op-specific lives here.
#ifndef QUANTSIM_OPS_OP_UTIL_H_
#define QUANTSIM_OPS_OP_UTIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/shape.h"
#include "engine/tensor.h"
#include "engine/thread_pool.h"
#include "graph/graph.h"
#include "graph/op_def.h"
#include "kernels/cpu/binary/dims.h"
#include "kernels/cpu/softmax/softmax.h"

namespace quantsim::ops {

// A kernel factory for OpDef::make_cpu_kernel when K's constructor takes the
// node: `def.make_cpu_kernel = MakeKernel<ReluKernel>;`. K may also provide
// `static absl::StatusOr<std::unique_ptr<K>> Create(const graph::Node&)`.
template <typename K>
absl::StatusOr<std::unique_ptr<graph::OpKernel>> MakeKernel(
    const graph::Node& node) {
  if constexpr (std::is_constructible_v<K, const graph::Node&>) {
    return std::unique_ptr<graph::OpKernel>(std::make_unique<K>(node));
  } else {
    absl::StatusOr<std::unique_ptr<K>> k = K::Create(node);
    if (!k.ok()) return k.status();
    return std::unique_ptr<graph::OpKernel>(std::move(*k));
  }
}

inline graph::ValueType TypeWithDims(engine::DType dtype,
                                     std::vector<int64_t> dims) {
  return graph::ValueType{dtype, std::move(dims), true};
}

// Numpy broadcasting of two (possibly partly unknown, -1) shapes.
absl::StatusOr<std::vector<int64_t>> BroadcastDims(
    const std::vector<int64_t>& a, const std::vector<int64_t>& b);

// Same for concrete run-time shapes.
absl::StatusOr<engine::Shape> BroadcastShapes(const engine::Shape& a,
                                              const engine::Shape& b);

// Checks that input i of the node is f32 (quantsim's compute type);
// Unimplemented naming the node otherwise.
absl::Status RequireF32(const graph::InferContext& c, int i);

// ---- Data-movement helpers (axes, shape-like inputs, strided copies). ----

// Resolves a possibly negative axis against `rank`: InvalidArgument ("axis 3
// out of range for rank 2") unless -rank <= axis < rank.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank);

// Resolves a list of axes; InvalidArgument on an out-of-range or repeated
// axis. Keeps the given order.
absl::StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes,
                                               int rank);

// The values of a scalar or 1-D integer tensor (i64 or i32), e.g. a shape.
absl::StatusOr<std::vector<int64_t>> TensorToInts(const engine::Tensor& t);

// An int-list argument that ONNX moved from an attribute (older opsets) to
// an input (newer ones): `present` = given either way; `values` = known at
// shape-inference time (an attribute, or an input that is a graph constant).
struct IntsArg {
  bool present = false;
  std::optional<std::vector<int64_t>> values;
};
absl::StatusOr<IntsArg> InferIntsArg(const graph::InferContext& c, int input,
                                     const std::string& attr);
// The same at run time: the input when given, else the attribute (read when
// the kernel was created), else nullopt.
absl::StatusOr<std::optional<std::vector<int64_t>>> RunIntsArg(
    const graph::KernelContext& ctx, int input,
    const std::optional<std::vector<int64_t>>& attr);
// Reads an optional int-list attribute once (kernel creation).
absl::StatusOr<std::optional<std::vector<int64_t>>> OptionalIntsAttr(
    const graph::Node& node, const std::string& attr);

// Product of dims, -1 when any is unknown (-1).
int64_t KnownProduct(const std::vector<int64_t>& dims);

// Copies every element of index space `dims`:
//   dst[sum_k i_k * dst_strides[k]] = src[sum_k i_k * src_strides[k]]
// with elements of `elem_size` bytes and strides in elements of any sign
// (0 on src broadcasts). Adjacent dims are coalesced; contiguous rows are
// memcpy'd; rows are split over `pool` (may be null) for large copies.
void StridedCopy(const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const std::vector<int64_t>& dst_strides,
                 const std::vector<int64_t>& dims, size_t elem_size,
                 engine::ThreadPool* pool = nullptr);

// Emits the gradient of a pure reshape-like op (Reshape, Flatten, Squeeze,
// Unsqueeze): `g` reshaped back to input `input`'s shape (a static Reshape
// when that shape is known, else ReshapeLike(g, x)).
absl::StatusOr<graph::ValueId> EmitReshapeBack(graph::GradBuilder& b,
                                               graph::ValueId g, int input);

// ONNX TensorProto.DataType codes <-> DType (Cast 'to', Constant values).
absl::StatusOr<engine::DType> DTypeFromOnnx(int64_t onnx_type);
int64_t OnnxDTypeOf(engine::DType dtype);

// Contiguous strides for `dims` (row-major, in elements).
std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& dims);

// Sets output `out` to `x` viewed with `dims` (no copy when x is contiguous;
// a contiguous copy first otherwise).
absl::Status SetReshapedOutput(graph::KernelContext& ctx, int out,
                               const engine::Tensor& x,
                               std::vector<int64_t> dims);

// ONNX sliding-window attributes shared by pools (and Conv): kernel_shape,
// strides, dilations, pads [b_1..b_k, e_1..e_k], auto_pad (NOTSET |
// SAME_UPPER | SAME_LOWER | VALID), ceil_mode. Defaults: strides and
// dilations 1, pads 0. kernel.empty() when the node has no kernel_shape.
struct WindowAttrs {
  std::vector<int64_t> kernel, strides, dilations, pads;
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;
  int rank() const { return static_cast<int>(kernel.size()); }
};

// Reads and checks the attributes (lengths agree with kernel_shape, values
// >= 1, pads >= 0, known auto_pad); errors name the node.
absl::StatusOr<WindowAttrs> ParseWindowAttrs(const graph::Node& node);

// Begin/end pads of every spatial dim for input spatial dims `in` (auto_pad
// SAME_*: total = max(0, (ceil(in / s) - 1) s + (k - 1) d + 1 - in), the odd
// pad at the end for SAME_UPPER, at the begin for SAME_LOWER; VALID: 0).
// `in` may hold -1 (unknown): its pads come back as 0 and its output dim
// from WindowOutputDims as -1.
void ResolveWindowPads(const WindowAttrs& w, const std::vector<int64_t>& in,
                       std::vector<int64_t>* pad_begin,
                       std::vector<int64_t>* pad_end);

// Output spatial dims (floor or ceil_mode, the PyTorch/ONNX rule dropping a
// last window that starts in the end padding); -1 for unknown inputs.
std::vector<int64_t> WindowOutputDims(const WindowAttrs& w,
                                      const std::vector<int64_t>& in);

// Output type of a sliding-window op on input 0 [N, C, D_1..D_k]: [N,
// channels (-1 = C), out_1..out_k]; unknown rank stays unknown. Errors name
// the node: wrong rank, a known output dim < 1.
absl::StatusOr<graph::ValueType> WindowOutputType(const graph::InferContext& c,
                                                  const WindowAttrs& w,
                                                  int64_t channels = -1);

// Fills the spatial fields of a kernel parameter struct P (spatial_rank,
// kernel, stride, dilation, pad_begin, pad_end, ceil_mode, as in
// kernels::PoolParams) for concrete input spatial dims `in`.
template <typename P>
void FillWindowParams(const WindowAttrs& w, const std::vector<int64_t>& in,
                      P* p) {
  std::vector<int64_t> pb, pe;
  ResolveWindowPads(w, in, &pb, &pe);
  p->spatial_rank = w.rank();
  for (int i = 0; i < w.rank(); ++i) {
    p->kernel[i] = w.kernel[i];
    p->stride[i] = w.strides[i];
    p->dilation[i] = w.dilations[i];
    p->pad_begin[i] = pb[i];
    p->pad_end[i] = pe[i];
  }
  p->ceil_mode = w.ceil_mode;
}

// ---- Elementwise / reduction / loss helpers. ----

// engine::Shape -> kernels::Dims; InvalidArgument above kernels::kMaxRank.
absl::StatusOr<kernels::Dims> ToKernelDims(const engine::Shape& shape);

// The single f32 value of a one-element tensor (Clip min/max, ...).
absl::StatusOr<float> ScalarValue(const engine::Tensor& t,
                                  const std::string& what);

// Shape inference of numpy-broadcasting elementwise ops: every present input
// f32, output 0 the broadcast of all of them (unknown rank if any input's
// rank is unknown).
absl::Status InferBroadcast(graph::InferContext& c);

// The `reduction` attribute of the loss ops: "none" | "sum" | "mean"
// (default "mean"), InvalidArgument naming `where` otherwise.
absl::StatusOr<kernels::LossReduction> ParseLossReduction(
    const graph::Attributes& attrs, const std::string& where);

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_OP_UTIL_H_
