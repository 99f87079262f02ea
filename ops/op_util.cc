#include "ops/op_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"

namespace quantsim::ops {

absl::StatusOr<std::vector<int64_t>> BroadcastDims(
    const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da < 0 || db < 0) {
      out[i] = std::max(da, db);  // the known one (the other must match)
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("shapes [", absl::StrJoin(a, ", "), "] and [",
                       absl::StrJoin(b, ", "), "] do not broadcast"));
    }
  }
  return out;
}

absl::StatusOr<engine::Shape> BroadcastShapes(const engine::Shape& a,
                                              const engine::Shape& b) {
  absl::StatusOr<std::vector<int64_t>> d = BroadcastDims(a.dims(), b.dims());
  if (!d.ok()) return d.status();
  return engine::Shape(std::move(*d));
}

absl::Status RequireF32(const graph::InferContext& c, int i) {
  if (c.input(i).dtype != engine::DType::kF32) {
    return c.Error(
        absl::StrCat("input ", i, " must be f32, is ", c.input(i).ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<kernels::Dims> ToKernelDims(const engine::Shape& shape) {
  if (shape.rank() > kernels::kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", shape.rank(), " of ", shape.ToString(),
                     " exceeds the kernels' maximum ", kernels::kMaxRank));
  }
  kernels::Dims d;
  d.rank = shape.rank();
  for (int i = 0; i < d.rank; ++i) d.d[i] = shape.dim(i);
  return d;
}

absl::StatusOr<float> ScalarValue(const engine::Tensor& t,
                                  const std::string& what) {
  if (t.dtype() != engine::DType::kF32 || t.numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a single f32 value, is ",
                     engine::DTypeName(t.dtype()), t.shape().ToString()));
  }
  return *t.data<float>();
}

absl::StatusOr<std::vector<int64_t>> Int64Values(const engine::Tensor& t,
                                                 const std::string& what) {
  if (t.dtype() != engine::DType::kI64 || t.rank() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a 1-D int64 tensor, is ",
                     engine::DTypeName(t.dtype()), t.shape().ToString()));
  }
  absl::StatusOr<engine::Tensor> c = t.Contiguous();
  if (!c.ok()) return c.status();
  const int64_t* p = c->data<int64_t>();
  return std::vector<int64_t>(p, p + c->numel());
}

absl::StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes,
                                               int rank) {
  std::vector<int> out;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("axis ", a, " is out of range for rank ", rank));
    }
    out.push_back(static_cast<int>(a < 0 ? a + rank : a));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate axis in [", absl::StrJoin(axes, ", "), "]"));
  }
  return out;
}

absl::Status InferBroadcast(graph::InferContext& c) {
  std::vector<int64_t> dims;
  bool has_rank = true;
  for (int i = 0; i < c.num_inputs(); ++i) {
    if (!c.has_input(i)) continue;
    QS_RETURN_IF_ERROR(RequireF32(c, i));
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
  out.dtype = engine::DType::kF32;
  out.has_rank = has_rank;
  if (has_rank) out.dims = std::move(dims);
  c.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::StatusOr<kernels::LossReduction> ParseLossReduction(
    const graph::Attributes& attrs, const std::string& where) {
  QS_ASSIGN_OR_RETURN(std::string r,
                      attrs.GetStringOr("reduction", "mean", where));
  if (r == "none") return kernels::LossReduction::kNone;
  if (r == "sum") return kernels::LossReduction::kSum;
  if (r == "mean") return kernels::LossReduction::kMean;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": reduction '", r, "' (none | sum | mean)"));
}

}  // namespace quantsim::ops
