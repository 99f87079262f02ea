// raw.h: device queries, memory and errors (the CUDA runtime, nvcc-built).
#include <cuda_runtime.h>
#include <stdio.h>

#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/raw.h"

namespace quantsim::kernels::cuda::raw {

int CompiledWithCuda() { return 1; }

const char* ErrorName(int code) {
  return cudaGetErrorName(static_cast<cudaError_t>(code));
}

const char* ErrorString(int code) {
  return cudaGetErrorString(static_cast<cudaError_t>(code));
}

bool IsNoDevice(int code) {
  switch (static_cast<cudaError_t>(code)) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      return true;
    default:
      return false;
  }
}

int DeviceCount(int* count) {
  *count = 0;
  const cudaError_t e = cudaGetDeviceCount(count);
  if (e != cudaSuccess) *count = 0;
  return e;
}

int DeviceDescription(char* buf, size_t len) {
  if (len > 0) buf[0] = '\0';
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  cudaDeviceProp prop{};
  e = cudaGetDeviceProperties(&prop, dev);
  if (e != cudaSuccess) return e;
  snprintf(buf, len, "device %d: %s (sm_%d%d, %d SMs, %.1f GiB)", dev,
           prop.name, prop.major, prop.minor, prop.multiProcessorCount,
           static_cast<double>(prop.totalGlobalMem) / (1 << 30));
  return cudaSuccess;
}

int Malloc(void** ptr, size_t bytes) { return cudaMalloc(ptr, bytes); }
int Free(void* ptr) { return cudaFree(ptr); }

int CopyHostToDevice(void* dst, const void* src, size_t bytes) {
  return cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
}

int CopyDeviceToHost(void* dst, const void* src, size_t bytes) {
  return cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
}

int CopyDeviceToDevice(void* dst, const void* src, size_t bytes, void* stream) {
  return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice,
                         AsStream(stream));
}

int MemsetAsync(void* dst, int value, size_t bytes, void* stream) {
  return cudaMemsetAsync(dst, value, bytes, AsStream(stream));
}

int StreamSynchronize(void* stream) {
  return cudaStreamSynchronize(AsStream(stream));
}

}  // namespace quantsim::kernels::cuda::raw
