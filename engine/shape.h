// quantsim engine: tensor shapes.
//
// Contract: a Shape is a list of non-negative dimensions (rank 0 = scalar,
// 1 element). Shape::Create validates (no negative dims, element count fits
// in int64); the plain constructor is for dims known to be valid. Row-major
// (C-order) strides are in elements.
#ifndef QUANTSIM_ENGINE_SHAPE_H_
#define QUANTSIM_ENGINE_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace quantsim::engine {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  // InvalidArgument on a negative dim or an element count over 2^62.
  static absl::StatusOr<Shape> Create(std::vector<int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t NumElements() const;

  // Row-major strides in elements.
  std::vector<int64_t> ContiguousStrides() const;
  // Product of dims in [begin, end).
  int64_t Product(int begin, int end) const;

  // Resolves a possibly negative axis; InvalidArgument when out of range.
  absl::StatusOr<int> NormalizeAxis(int axis) const;

  std::string ToString() const;  // "[2, 3, 4]"
  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

 private:
  std::vector<int64_t> dims_;
};

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_SHAPE_H_
