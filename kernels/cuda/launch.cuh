// quantsim CUDA kernels: launch helpers shared by the .cu files (nvcc only).
#ifndef QUANTSIM_KERNELS_CUDA_LAUNCH_CUH_
#define QUANTSIM_KERNELS_CUDA_LAUNCH_CUH_

#include <cuda_runtime.h>
#include <stdint.h>

namespace quantsim::kernels::cuda::raw {

inline cudaStream_t AsStream(void* stream) {
  return static_cast<cudaStream_t>(stream);
}

// Number of SMs of the current device; also where "no device" surfaces.
inline cudaError_t SmCount(int* sms) {
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  return cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, dev);
}

// Grid for a grid-stride loop over `work` items with `threads` per block:
// enough blocks to cover the work, at most `waves` blocks per SM.
inline unsigned GridFor(uint64_t work, int threads, int sms, int waves = 32) {
  const uint64_t need = (work + threads - 1) / threads;
  const uint64_t cap = static_cast<uint64_t>(sms) * waves;
  const uint64_t g = need < cap ? need : cap;
  return static_cast<unsigned>(g < 1 ? 1 : g);
}

}  // namespace quantsim::kernels::cuda::raw

#endif  // QUANTSIM_KERNELS_CUDA_LAUNCH_CUH_
