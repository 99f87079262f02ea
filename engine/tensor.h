// quantsim engine: Tensor = storage + offset + shape + strides + dtype.
//
// Contract:
//  - A Tensor is a cheap, copyable handle; copies and views (Reshape, Slice,
//    Transpose, Select) share storage. There is no autograd state here.
//  - offset and strides are in elements; strides may be any non-negative
//    values (views), 0 for broadcast dims.
//  - Fallible operations return absl::Status (InvalidArgument for a bad
//    shape/axis/dtype, ResourceExhausted when memory is refused).
//  - data<T>() checks the dtype in debug builds only; use CheckDType at API
//    boundaries.
//  - Element access and copies are implemented for CPU tensors; CUDA storage
//    is allocated by kernels/cuda.
#ifndef QUANTSIM_ENGINE_TENSOR_H_
#define QUANTSIM_ENGINE_TENSOR_H_

#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/device.h"
#include "engine/dtype.h"
#include "engine/shape.h"
#include "engine/storage.h"

namespace quantsim::engine {

class Tensor {
 public:
  Tensor() = default;  // undefined tensor

  static absl::StatusOr<Tensor> Empty(const Shape& shape, DType dtype,
                                      Allocator* allocator = CpuAllocator());
  static absl::StatusOr<Tensor> Zeros(const Shape& shape, DType dtype);
  // A contiguous CPU tensor holding a copy of `values` (size must match).
  template <typename T>
  static absl::StatusOr<Tensor> FromVector(const Shape& shape,
                                           const std::vector<T>& values);
  // A view of existing storage; validates that every element is in bounds.
  static absl::StatusOr<Tensor> FromStorage(std::shared_ptr<Storage> storage,
                                            int64_t offset, Shape shape,
                                            std::vector<int64_t> strides,
                                            DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t numel() const { return shape_.NumElements(); }
  const std::vector<int64_t>& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device(); }
  size_t nbytes() const { return numel() * DTypeSize(dtype_); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool SharesStorageWith(const Tensor& o) const {
    return storage_ && storage_ == o.storage_;
  }

  // Pointer to the first element (storage + offset).
  void* raw_data() const {
    return static_cast<char*>(storage_->data()) + offset_ * DTypeSize(dtype_);
  }
  template <typename T>
  T* data() const {
    assert(DTypeOf<T>() == dtype_);
    return static_cast<T*>(raw_data());
  }

  bool IsContiguous() const;
  absl::Status CheckDType(DType expected, const std::string& what) const;

  // Views. Reshape needs a contiguous tensor; one dim may be -1 (inferred).
  absl::StatusOr<Tensor> Reshape(std::vector<int64_t> dims) const;
  absl::StatusOr<Tensor> Slice(int axis, int64_t start, int64_t length) const;
  absl::StatusOr<Tensor> Select(int axis, int64_t index) const;  // drops axis
  absl::StatusOr<Tensor> Transpose(const std::vector<int>& perm) const;

  // Copies into new contiguous memory (always copies).
  absl::StatusOr<Tensor> Clone() const;
  // This tensor if contiguous, else a contiguous copy.
  absl::StatusOr<Tensor> Contiguous() const;
  // Element-wise copy from `src` (same shape and dtype, any strides).
  absl::Status CopyFrom(const Tensor& src);

  std::string DebugString() const;  // "f32[2, 3] strides [3, 1]"

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  Shape shape_;
  std::vector<int64_t> strides_;
  DType dtype_ = DType::kF32;
};

template <typename T>
absl::StatusOr<Tensor> Tensor::FromVector(const Shape& shape,
                                          const std::vector<T>& values) {
  if (static_cast<int64_t>(values.size()) != shape.NumElements()) {
    return absl::InvalidArgumentError(
        "Tensor::FromVector: " + std::to_string(values.size()) +
        " values for shape " + shape.ToString());
  }
  absl::StatusOr<Tensor> t = Empty(shape, DTypeOf<T>());
  if (!t.ok()) return t;
  T* out = t->template data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_TENSOR_H_
