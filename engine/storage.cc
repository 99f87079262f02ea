#include "engine/storage.h"

#include <cstdlib>
#include <new>

#include "absl/strings/str_cat.h"

namespace quantsim::engine {
namespace {

class CpuAllocatorImpl final : public Allocator {
 public:
  absl::StatusOr<void*> Allocate(size_t bytes) override {
    if (bytes > kMaxAllocationBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("refusing to allocate ", bytes, " bytes (limit ",
                       kMaxAllocationBytes, ")"));
    }
    // aligned_alloc needs a size that is a multiple of the alignment.
    const size_t rounded =
        (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment,
                                 rounded == 0 ? kCpuAlignment : rounded);
    if (p == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("out of memory allocating ", bytes, " bytes"));
    }
    return p;
  }
  void Deallocate(void* ptr, size_t) override { std::free(ptr); }
  Device device() const override { return Device::Cpu(); }
};

}  // namespace

Allocator* CpuAllocator() {
  static CpuAllocatorImpl* const kAllocator = new CpuAllocatorImpl();
  return kAllocator;
}

absl::StatusOr<std::shared_ptr<Storage>> Storage::Allocate(
    size_t bytes, Allocator* allocator) {
  if (allocator == nullptr) {
    return absl::InvalidArgumentError("Storage::Allocate: null allocator");
  }
  absl::StatusOr<void*> p = allocator->Allocate(bytes);
  if (!p.ok()) return p.status();
  return std::shared_ptr<Storage>(new Storage(
      *p, bytes, allocator->device(),
      [allocator, bytes](void* q) { allocator->Deallocate(q, bytes); }));
}

std::shared_ptr<Storage> Storage::Wrap(void* data, size_t bytes, Device device,
                                       std::function<void(void*)> release) {
  return std::shared_ptr<Storage>(
      new Storage(data, bytes, device, std::move(release)));
}

Storage::~Storage() {
  if (release_) release_(data_);
}

}  // namespace quantsim::engine
