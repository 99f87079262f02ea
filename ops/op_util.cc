#include "ops/op_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

}  // namespace quantsim::ops
