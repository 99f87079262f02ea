#include "engine/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace quantsim::engine {

absl::StatusOr<Shape> Shape::Create(std::vector<int64_t> dims) {
  constexpr int64_t kMaxElements = int64_t{1} << 62;
  int64_t n = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative dimension ", dims[i], " at index ", i,
                       " of shape [", absl::StrJoin(dims, ", "), "]"));
    }
    if (dims[i] != 0 && n > kMaxElements / dims[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape [", absl::StrJoin(dims, ", "), "] has too many elements"));
    }
    n *= dims[i];
  }
  return Shape(std::move(dims));
}

int64_t Shape::NumElements() const { return Product(0, rank()); }

int64_t Shape::Product(int begin, int end) const {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= dims_[i];
  return n;
}

std::vector<int64_t> Shape::ContiguousStrides() const {
  std::vector<int64_t> strides(dims_.size());
  int64_t s = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    strides[i] = s;
    s *= dims_[i];
  }
  return strides;
}

absl::StatusOr<int> Shape::NormalizeAxis(int axis) const {
  const int r = rank();
  if (axis < -r || axis >= r) {
    return absl::InvalidArgumentError(absl::StrCat(
        "axis ", axis, " is out of range for rank-", r, " shape ", ToString()));
  }
  return axis < 0 ? axis + r : axis;
}

std::string Shape::ToString() const {
  return absl::StrCat("[", absl::StrJoin(dims_, ", "), "]");
}

}  // namespace quantsim::engine
