// quantsim export (internal to export/qdq): one FakeQuantize node's grid and
// parameters, read and checked, and the ONNX integer container for them.
//
// Contract: ReadFakeQuantize reads qmin/qmax/axis/block_size/rounding and
// the scale and zero-point tensors (parameters or constants, f32) of a
// FakeQuantize node, checking what the ONNX form needs: finite scale > 0,
// integer zero points, one parameter per tensor/channel/block of x when x's
// dims are known. ChooseContainer picks the narrowest integer type holding
// [qmin, qmax] and every zero point. Errors name the node.
#ifndef QUANTSIM_EXPORT_QDQ_QDQ_PARAMS_H_
#define QUANTSIM_EXPORT_QDQ_QDQ_PARAMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/dtype.h"
#include "engine/tensor.h"
#include "graph/graph.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::io::qdq_internal {

struct FakeQuantizeParams {
  std::string where;  // "FakeQuantize 'name'"
  int64_t qmin = 0;
  int64_t qmax = 0;
  bool per_channel = false;  // `axis` given
  int64_t axis = 0;          // as given (may be negative)
  int64_t block = 1;         // block_size (1: per channel)
  kernels::RoundingMode rounding = kernels::RoundingMode::kHalfToEven;
  std::vector<float> scale;       // one per tensor / channel / block
  std::vector<float> zero_point;  // integer-valued
  std::vector<float> clip_lo;     // empty unless clip inputs are given
  std::vector<float> clip_hi;
  // x's type as inferred (rank may be unknown for activations).
  graph::ValueType x_type;
};

absl::StatusOr<FakeQuantizeParams> ReadFakeQuantize(const graph::Graph& graph,
                                                    graph::NodeId node);

// x's normalized axis; InvalidArgument when the rank is unknown or the axis
// out of range.
absl::StatusOr<int> NormalizedAxis(const FakeQuantizeParams& p);

// The FakeQuantize kernel's parameter layout over x (needs static dims for
// blockwise and per-channel).
absl::StatusOr<kernels::QdqLayout> LayoutFor(const FakeQuantizeParams& p);

struct Container {
  engine::DType dtype = engine::DType::kU8;
  int64_t lo = 0;
  int64_t hi = 255;
  int bits = 8;
};

// The first of u8, i8, u16, i16 (i8, u8, i16, u16 when qmin < 0), then i32
// when allow_int32, holding [qmin, qmax] and all zero points; else
// Unimplemented naming the node.
absl::StatusOr<Container> ChooseContainer(const FakeQuantizeParams& p,
                                          bool allow_int32);

// A tensor of `dtype` (an integer container type) holding `values` (already
// in range).
absl::StatusOr<engine::Tensor> IntTensor(const engine::Shape& shape,
                                         engine::DType dtype,
                                         const std::vector<int64_t>& values);

}  // namespace quantsim::io::qdq_internal

#endif  // QUANTSIM_EXPORT_QDQ_QDQ_PARAMS_H_
