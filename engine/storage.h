// quantsim engine: allocators and reference-counted storage.
//
// Contract:
//  - Allocator hands out raw memory for one device. CpuAllocator() returns a
//    process-wide stateless allocator giving 64-byte aligned blocks (safe
//    for AVX-512 aligned loads); Allocate fails with ResourceExhausted, never
//    aborts, and rejects sizes above kMaxAllocationBytes.
//  - Storage owns one block (or wraps caller memory with a deleter) and is
//    shared by every Tensor view of it through std::shared_ptr.
#ifndef QUANTSIM_ENGINE_STORAGE_H_
#define QUANTSIM_ENGINE_STORAGE_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/device.h"

namespace quantsim::engine {

inline constexpr size_t kCpuAlignment = 64;
// A single allocation larger than this is refused (a corrupt file's shape
// must not make us try to allocate petabytes).
inline constexpr size_t kMaxAllocationBytes = size_t{1} << 40;

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual absl::StatusOr<void*> Allocate(size_t bytes) = 0;
  virtual void Deallocate(void* ptr, size_t bytes) = 0;
  virtual Device device() const = 0;
};

// The CPU allocator (stateless, thread-safe).
Allocator* CpuAllocator();

class Storage {
 public:
  // Allocates `bytes` (0 allowed) from `allocator`.
  static absl::StatusOr<std::shared_ptr<Storage>> Allocate(
      size_t bytes, Allocator* allocator = CpuAllocator());
  // Wraps memory the caller owns; `release` (may be empty) runs when the
  // last view is gone.
  static std::shared_ptr<Storage> Wrap(void* data, size_t bytes, Device device,
                                       std::function<void(void*)> release);

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  Storage(void* data, size_t bytes, Device device,
          std::function<void(void*)> release)
      : data_(data),
        bytes_(bytes),
        device_(device),
        release_(std::move(release)) {}

  void* data_;
  size_t bytes_;
  Device device_;
  std::function<void(void*)> release_;
};

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_STORAGE_H_
