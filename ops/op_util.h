// quantsim ops: helpers shared by op definitions (shape rules, kernel
// factories, common checks). Nothing op-specific lives here.
#ifndef QUANTSIM_OPS_OP_UTIL_H_
#define QUANTSIM_OPS_OP_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/shape.h"
#include "engine/tensor.h"
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

// Checks that input i of the node is f32 (quantsim's compute type).
absl::Status RequireF32(const graph::InferContext& c, int i);

// --- Elementwise / reduction helpers (appended by the elementwise family).

// engine::Shape -> kernels::Dims; InvalidArgument above kernels::kMaxRank.
absl::StatusOr<kernels::Dims> ToKernelDims(const engine::Shape& shape);

// The single f32 value of a one-element tensor (Clip min/max, ...).
absl::StatusOr<float> ScalarValue(const engine::Tensor& t,
                                  const std::string& what);

// The values of a 1-D (or scalar) int64 tensor (axes, shapes).
absl::StatusOr<std::vector<int64_t>> Int64Values(const engine::Tensor& t,
                                                 const std::string& what);

// Resolves possibly negative axes against `rank`; sorted, InvalidArgument
// on an axis out of range or a duplicate.
absl::StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes,
                                               int rank);

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
