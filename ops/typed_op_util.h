// quantsim ops: helpers for ops that run on many dtypes (the logic and
// tensor families: comparisons, bitwise ops, Where, gathers ...). Header
// only; the typed loops themselves use kernels/cpu/logic/index_plan.h.
#ifndef QUANTSIM_OPS_TYPED_OP_UTIL_H_
#define QUANTSIM_OPS_TYPED_OP_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/dtype.h"
#include "engine/status.h"
#include "engine/tensor.h"
#include "graph/op_def.h"
#include "ops/op_util.h"

namespace quantsim::ops {

inline bool IsFloatDType(engine::DType d) {
  return d == engine::DType::kF32 || d == engine::DType::kF64;
}
inline bool IsIntDType(engine::DType d) {
  return engine::DTypeInfo(d).is_integer;
}
inline bool IsIndexDType(engine::DType d) {
  return d == engine::DType::kI64 || d == engine::DType::kI32;
}

// InvalidArgument naming the node unless `ok(dtype of input i)`.
template <typename Pred>
absl::Status RequireDType(const graph::InferContext& c, int i, Pred ok,
                          const char* what) {
  if (!ok(c.input(i).dtype)) {
    return c.Error(absl::StrCat("input ", i, " must be ", what, ", is ",
                                c.input(i).ToString()));
  }
  return absl::OkStatus();
}

inline absl::Status RequireSameDType(const graph::InferContext& c, int a,
                                     int b) {
  if (c.input(a).dtype != c.input(b).dtype) {
    return c.Error(
        absl::StrCat("inputs ", a, " and ", b, " must have one dtype, are ",
                     c.input(a).ToString(), " and ", c.input(b).ToString()));
  }
  return absl::OkStatus();
}

// Output 0 = numpy broadcast of `inputs` (unknown rank if any is), `dtype`.
inline absl::Status InferBroadcastOf(graph::InferContext& c,
                                     std::initializer_list<int> inputs,
                                     engine::DType dtype) {
  std::vector<int64_t> dims;
  bool has_rank = true;
  for (int i : inputs) {
    const graph::ValueType& t = c.input(i);
    if (!t.has_rank) {
      has_rank = false;
      continue;
    }
    absl::StatusOr<std::vector<int64_t>> d = BroadcastDims(dims, t.dims);
    if (!d.ok()) return c.Error(std::string(d.status().message()));
    dims = std::move(*d);
  }
  graph::ValueType out;
  out.dtype = dtype;
  out.has_rank = has_rank;
  if (has_rank) out.dims = std::move(dims);
  c.set_output(0, std::move(out));
  return absl::OkStatus();
}

// Run-time broadcast of several shapes; errors name the node.
inline absl::StatusOr<engine::Shape> BroadcastAll(
    const graph::KernelContext& ctx, std::initializer_list<engine::Shape> s) {
  engine::Shape out;
  for (const engine::Shape& x : s) {
    absl::StatusOr<engine::Shape> b = BroadcastShapes(out, x);
    if (!b.ok()) return ctx.Error(std::string(b.status().message()));
    out = *b;
  }
  return out;
}

// The single value of a one-element numeric tensor as double.
inline absl::StatusOr<double> ScalarAsDouble(const engine::Tensor& t,
                                             const std::string& what) {
  if (t.numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must have one element, has ", t.numel()));
  }
  switch (t.dtype()) {
    case engine::DType::kF32:
      return static_cast<double>(*t.data<float>());
    case engine::DType::kF64:
      return *t.data<double>();
    case engine::DType::kI32:
      return static_cast<double>(*t.data<int32_t>());
    case engine::DType::kI64:
      return static_cast<double>(*t.data<int64_t>());
    case engine::DType::kI16:
      return static_cast<double>(*t.data<int16_t>());
    case engine::DType::kI8:
      return static_cast<double>(*t.data<int8_t>());
    case engine::DType::kU8:
      return static_cast<double>(*t.data<uint8_t>());
    case engine::DType::kU16:
      return static_cast<double>(*t.data<uint16_t>());
    case engine::DType::kU32:
      return static_cast<double>(*t.data<uint32_t>());
    case engine::DType::kBool:
      return *t.data<bool>() ? 1.0 : 0.0;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": unsupported dtype ", engine::DTypeName(t.dtype())));
  }
}

// All elements of an i64 or i32 tensor of any rank, as int64 (indices).
inline absl::StatusOr<std::vector<int64_t>> IndicesToI64(
    const engine::Tensor& t) {
  QS_ASSIGN_OR_RETURN(engine::Tensor c, t.Contiguous());
  std::vector<int64_t> out(c.numel());
  if (c.dtype() == engine::DType::kI64) {
    for (int64_t i = 0; i < c.numel(); ++i) out[i] = c.data<int64_t>()[i];
  } else if (c.dtype() == engine::DType::kI32) {
    for (int64_t i = 0; i < c.numel(); ++i) out[i] = c.data<int32_t>()[i];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "indices must be i64 or i32, are ", engine::DTypeName(c.dtype())));
  }
  return out;
}

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_TYPED_OP_UTIL_H_
