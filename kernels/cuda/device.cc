#include "kernels/cuda/device.h"

#include "absl/strings/str_format.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/status_util.h"

namespace quantsim::kernels::cuda {

CudaProbeResult ProbeCuda() {
  CudaProbeResult r;
  r.compiled_with_cuda = raw::CompiledWithCuda() != 0;
  int count = 0;
  const int code = raw::DeviceCount(&count);
  if (code != raw::kSuccess) {
    r.message = CudaStatus(code, "cudaGetDeviceCount").ToString();
    return r;
  }
  r.device_count = count;
  if (count == 0) {
    r.message = "CUDA runtime OK but 0 devices";
    return r;
  }
  char desc[256];
  const int d = raw::DeviceDescription(desc, sizeof(desc));
  r.message = d == raw::kSuccess
                  ? std::string(desc)
                  : CudaStatus(d, "cudaGetDeviceProperties").ToString();
  return r;
}

absl::Status CudaDeviceStatus() {
  int count = 0;
  const int code = raw::DeviceCount(&count);
  if (code != raw::kSuccess) return CudaStatus(code, "cudaGetDeviceCount");
  if (count == 0) return absl::UnavailableError("no CUDA device (0 devices)");
  return absl::OkStatus();
}

absl::Status Synchronize(void* stream) {
  return CudaStatus(raw::StreamSynchronize(stream), "cudaStreamSynchronize");
}

absl::Status CopyDeviceToDevice(void* dst, const void* src, size_t bytes,
                                void* stream) {
  if (bytes == 0) return absl::OkStatus();
  if (dst == nullptr || src == nullptr) {
    return absl::InvalidArgumentError("CopyDeviceToDevice: null pointer");
  }
  return CudaStatus(raw::CopyDeviceToDevice(dst, src, bytes, stream),
                    "cudaMemcpyAsync(DeviceToDevice)");
}

DeviceBuffer::~DeviceBuffer() { Release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(other.ptr_), size_(other.size_) {
  other.ptr_ = nullptr;
  other.size_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    ptr_ = other.ptr_;
    size_ = other.size_;
    other.ptr_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void DeviceBuffer::Release() {
  // A failing cudaFree (e.g. after a sticky kernel error) cannot be reported
  // from a destructor; the memory is lost with the context anyway.
  if (ptr_ != nullptr) (void)raw::Free(ptr_);
  ptr_ = nullptr;
  size_ = 0;
}

absl::StatusOr<DeviceBuffer> DeviceBuffer::Allocate(size_t bytes) {
  DeviceBuffer b;
  if (bytes == 0) return b;
  void* p = nullptr;
  const int code = raw::Malloc(&p, bytes);
  if (code != raw::kSuccess) {
    return CudaStatus(code, absl::StrFormat("cudaMalloc(%d bytes)", bytes));
  }
  b.ptr_ = p;
  b.size_ = bytes;
  return b;
}

absl::Status DeviceBuffer::CopyFromHost(const void* src, size_t bytes) {
  if (bytes > size_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "DeviceBuffer::CopyFromHost: %d bytes into a %d-byte buffer", bytes,
        size_));
  }
  if (bytes == 0) return absl::OkStatus();
  return CudaStatus(raw::CopyHostToDevice(ptr_, src, bytes),
                    "cudaMemcpy(HostToDevice)");
}

absl::Status DeviceBuffer::CopyToHost(void* dst, size_t bytes) const {
  if (bytes > size_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "DeviceBuffer::CopyToHost: %d bytes from a %d-byte buffer", bytes,
        size_));
  }
  if (bytes == 0) return absl::OkStatus();
  return CudaStatus(raw::CopyDeviceToHost(dst, ptr_, bytes),
                    "cudaMemcpy(DeviceToHost)");
}

absl::Status DeviceBuffer::Fill(int value) {
  if (size_ == 0) return absl::OkStatus();
  absl::Status s = CudaStatus(raw::MemsetAsync(ptr_, value, size_, nullptr),
                              "cudaMemsetAsync");
  if (!s.ok()) return s;
  return Synchronize(nullptr);
}

}  // namespace quantsim::kernels::cuda
