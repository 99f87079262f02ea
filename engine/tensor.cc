#include "engine/tensor.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"

namespace quantsim::engine {

absl::StatusOr<Tensor> Tensor::Empty(const Shape& shape, DType dtype,
                                     Allocator* allocator) {
  QS_ASSIGN_OR_RETURN(Shape checked, Shape::Create(shape.dims()));
  const int64_t n = checked.NumElements();
  const size_t size = DTypeSize(dtype);
  if (n > static_cast<int64_t>(kMaxAllocationBytes / size)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("tensor ", DTypeName(dtype), checked.ToString(),
                     " is larger than the allocation limit"));
  }
  QS_ASSIGN_OR_RETURN(std::shared_ptr<Storage> storage,
                      Storage::Allocate(n * size, allocator));
  Tensor t;
  t.storage_ = std::move(storage);
  t.strides_ = checked.ContiguousStrides();
  t.shape_ = std::move(checked);
  t.dtype_ = dtype;
  return t;
}

absl::StatusOr<Tensor> Tensor::Zeros(const Shape& shape, DType dtype) {
  QS_ASSIGN_OR_RETURN(Tensor t, Empty(shape, dtype));
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

absl::StatusOr<Tensor> Tensor::FromStorage(std::shared_ptr<Storage> storage,
                                           int64_t offset, Shape shape,
                                           std::vector<int64_t> strides,
                                           DType dtype) {
  if (storage == nullptr) {
    return absl::InvalidArgumentError("Tensor::FromStorage: null storage");
  }
  QS_ASSIGN_OR_RETURN(shape, Shape::Create(shape.dims()));
  if (static_cast<int>(strides.size()) != shape.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Tensor::FromStorage: ", strides.size(),
                     " strides for rank-", shape.rank(), " shape"));
  }
  for (int64_t stride : strides) {
    if (stride < 0) {
      return absl::InvalidArgumentError("Tensor::FromStorage: negative stride");
    }
  }
  int64_t last = offset;  // index of the furthest element
  if (shape.NumElements() > 0) {
    for (int i = 0; i < shape.rank(); ++i) {
      last += (shape.dim(i) - 1) * strides[i];
    }
  }
  const int64_t capacity =
      static_cast<int64_t>(storage->bytes() / DTypeSize(dtype));
  // An empty view reaches no element: it only needs an offset in range.
  const bool empty = shape.NumElements() == 0;
  if (offset < 0 || (empty ? offset > capacity : last >= capacity)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Tensor::FromStorage: view ", shape.ToString(), " at offset ", offset,
        " exceeds storage of ", capacity, " elements"));
  }
  Tensor t;
  t.storage_ = std::move(storage);
  t.offset_ = offset;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.dtype_ = dtype;
  return t;
}

bool Tensor::IsContiguous() const {
  int64_t expected = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    if (shape_.dim(i) != 1 && strides_[i] != expected) return false;
    expected *= shape_.dim(i);
  }
  return true;
}

absl::Status Tensor::CheckDType(DType expected, const std::string& what) const {
  if (dtype_ == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, ": expected dtype ",
                                                 DTypeName(expected), ", got ",
                                                 DTypeName(dtype_)));
}

absl::StatusOr<Tensor> Tensor::Reshape(std::vector<int64_t> dims) const {
  if (!IsContiguous()) {
    return absl::InvalidArgumentError("Reshape of a non-contiguous tensor " +
                                      DebugString());
  }
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (infer >= 0) {
        return absl::InvalidArgumentError("Reshape: more than one -1");
      }
      infer = static_cast<int>(i);
    } else if (dims[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Reshape: negative dimension ", dims[i]));
    } else {
      known *= dims[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Reshape: cannot infer -1 for ", numel(), " elements"));
    }
    dims[infer] = numel() / known;
    known *= dims[infer];
  }
  if (known != numel()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Reshape: ", shape_.ToString(), " (", numel(),
                     " elements) to [", absl::StrJoin(dims, ", "), "]"));
  }
  Tensor t = *this;
  t.shape_ = Shape(std::move(dims));
  t.strides_ = t.shape_.ContiguousStrides();
  return t;
}

absl::StatusOr<Tensor> Tensor::Slice(int axis, int64_t start,
                                     int64_t length) const {
  QS_ASSIGN_OR_RETURN(axis, shape_.NormalizeAxis(axis));
  if (start < 0 || length < 0 || start + length > shape_.dim(axis)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Slice [", start, ", ", start + length, ") of axis ", axis,
                     " with size ", shape_.dim(axis)));
  }
  Tensor t = *this;
  std::vector<int64_t> dims = shape_.dims();
  dims[axis] = length;
  t.shape_ = Shape(std::move(dims));
  if (length > 0) t.offset_ += start * strides_[axis];
  return t;
}

absl::StatusOr<Tensor> Tensor::Select(int axis, int64_t index) const {
  QS_ASSIGN_OR_RETURN(Tensor s, Slice(axis, index, 1));
  QS_ASSIGN_OR_RETURN(axis, shape_.NormalizeAxis(axis));
  std::vector<int64_t> dims = s.shape_.dims();
  dims.erase(dims.begin() + axis);
  s.strides_.erase(s.strides_.begin() + axis);
  s.shape_ = Shape(std::move(dims));
  return s;
}

absl::StatusOr<Tensor> Tensor::Transpose(const std::vector<int>& perm) const {
  if (static_cast<int>(perm.size()) != rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Transpose: permutation of size ", perm.size(), " for rank ", rank()));
  }
  std::vector<bool> seen(rank(), false);
  std::vector<int64_t> dims(rank()), strides(rank());
  for (int i = 0; i < rank(); ++i) {
    if (perm[i] < 0 || perm[i] >= rank() || seen[perm[i]]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Transpose: invalid permutation [", absl::StrJoin(perm, ", "), "]"));
    }
    seen[perm[i]] = true;
    dims[i] = shape_.dim(perm[i]);
    strides[i] = strides_[perm[i]];
  }
  Tensor t = *this;
  t.shape_ = Shape(std::move(dims));
  t.strides_ = std::move(strides);
  return t;
}

absl::Status Tensor::CopyFrom(const Tensor& src) {
  if (!defined() || !src.defined()) {
    return absl::InvalidArgumentError("CopyFrom: undefined tensor");
  }
  if (src.shape_ != shape_ || src.dtype_ != dtype_) {
    return absl::InvalidArgumentError(
        absl::StrCat("CopyFrom: ", src.DebugString(), " into ", DebugString()));
  }
  if (!device().is_cpu() || !src.device().is_cpu()) {
    return absl::UnimplementedError("CopyFrom: only CPU tensors");
  }
  const size_t size = DTypeSize(dtype_);
  const int64_t n = numel();
  if (n == 0) return absl::OkStatus();
  if (IsContiguous() && src.IsContiguous()) {
    std::memmove(raw_data(), src.raw_data(), n * size);
    return absl::OkStatus();
  }
  // Odometer over the index space; the innermost dim is copied as a run.
  const int r = rank();
  std::vector<int64_t> idx(r, 0);
  char* dst_base = static_cast<char*>(raw_data());
  const char* src_base = static_cast<const char*>(src.raw_data());
  const int64_t inner = r == 0 ? 1 : shape_.dim(r - 1);
  const int64_t ds = r == 0 ? 0 : strides_[r - 1];
  const int64_t ss = r == 0 ? 0 : src.strides_[r - 1];
  for (int64_t done = 0; done < n; done += inner) {
    int64_t doff = 0, soff = 0;
    for (int i = 0; i + 1 < r; ++i) {
      doff += idx[i] * strides_[i];
      soff += idx[i] * src.strides_[i];
    }
    if (ds == 1 && ss == 1) {
      std::memcpy(dst_base + doff * size, src_base + soff * size, inner * size);
    } else {
      for (int64_t j = 0; j < inner; ++j) {
        std::memcpy(dst_base + (doff + j * ds) * size,
                    src_base + (soff + j * ss) * size, size);
      }
    }
    for (int i = r - 2; i >= 0; --i) {
      if (++idx[i] < shape_.dim(i)) break;
      idx[i] = 0;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Tensor::Clone() const {
  QS_ASSIGN_OR_RETURN(Tensor t, Empty(shape_, dtype_));
  QS_RETURN_IF_ERROR(t.CopyFrom(*this));
  return t;
}

absl::StatusOr<Tensor> Tensor::Contiguous() const {
  if (IsContiguous()) return *this;
  return Clone();
}

std::string Tensor::DebugString() const {
  if (!defined()) return "undefined";
  return absl::StrCat(DTypeName(dtype_), shape_.ToString(), " strides [",
                      absl::StrJoin(strides_, ", "), "] offset ", offset_,
                      " on ", device().ToString());
}

}  // namespace quantsim::engine
