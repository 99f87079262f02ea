// quantsim CUDA kernels: device probe, synchronisation and a device buffer.
//
// Contract: plain C++ (no CUDA types; streams are cudaStream_t passed as
// void*, nullptr = the default stream). Nothing here aborts: CUDA errors are
// absl::InternalError with cudaGetErrorString, "no device / no driver" is
// UnavailableError, and a build without --config=cuda gives
// FailedPreconditionError("... built without CUDA ...") from every call.
// Kernel launchers (fake_quant.h, stats.h) are asynchronous; errors raised
// while a kernel runs surface at the next Synchronize().
#ifndef QUANTSIM_KERNELS_CUDA_DEVICE_H_
#define QUANTSIM_KERNELS_CUDA_DEVICE_H_

#include <stddef.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace quantsim::kernels::cuda {

struct CudaProbeResult {
  bool compiled_with_cuda = false;
  int device_count = 0;
  std::string message;  // device name, or why there is none
  bool device_available() const { return device_count > 0; }
};

// Never fails: describes what is there (tests GTEST_SKIP on !available).
CudaProbeResult ProbeCuda();

// OK when a device is usable; otherwise the FailedPrecondition (no CUDA in
// the build) or Unavailable (no device/driver) the launchers would return.
absl::Status CudaDeviceStatus();

// Waits for the work queued on `stream`; reports asynchronous kernel errors.
absl::Status Synchronize(void* stream = nullptr);

// Device-to-device copy, asynchronous on `stream` (benchmark baseline).
absl::Status CopyDeviceToDevice(void* dst, const void* src, size_t bytes,
                                void* stream = nullptr);

// Owns `size()` bytes of device memory (cudaMalloc); move-only. Copies are
// synchronous (cudaMemcpy) and bounds-checked (InvalidArgument).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  static absl::StatusOr<DeviceBuffer> Allocate(size_t bytes);
  template <typename T>
  static absl::StatusOr<DeviceBuffer> FromHost(const std::vector<T>& host) {
    absl::StatusOr<DeviceBuffer> buf = Allocate(host.size() * sizeof(T));
    if (!buf.ok()) return buf.status();
    absl::Status s = buf->CopyFromHost(host.data(), host.size() * sizeof(T));
    if (!s.ok()) return s;
    return buf;
  }

  absl::Status CopyFromHost(const void* src, size_t bytes);
  absl::Status CopyToHost(void* dst, size_t bytes) const;
  // Copies the whole buffer into a vector of size() / sizeof(T) elements.
  template <typename T>
  absl::StatusOr<std::vector<T>> ToHost() const {
    std::vector<T> out(size_ / sizeof(T));
    absl::Status s = CopyToHost(out.data(), out.size() * sizeof(T));
    if (!s.ok()) return s;
    return out;
  }
  // Sets every byte to `value` (synchronous).
  absl::Status Fill(int value);

  void* data() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t size() const { return size_; }

 private:
  void Release();
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_DEVICE_H_
