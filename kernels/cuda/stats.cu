// raw.h: min/max per parameter and the 512-bin histogram on the GPU.
#include <cuda_runtime.h>
#include <stdint.h>

#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/walk.cuh"

namespace quantsim::kernels::cuda::raw {
namespace {

constexpr int kThreads = 256;
constexpr int kBins = 512;

// Order-preserving map float -> uint32 (total order, -0 < +0), so atomicMin/
// atomicMax on the keys give an exact, order-independent min/max.
__device__ __forceinline__ uint32_t OrderedKey(float v) {
  const uint32_t b = __float_as_uint(v);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
__device__ __forceinline__ float FromOrderedKey(uint32_t k) {
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}
constexpr uint32_t kKeyPlusInf = 0xff800000u;   // OrderedKey(+inf)
constexpr uint32_t kKeyMinusInf = 0x007fffffu;  // OrderedKey(-inf)

// NaN is skipped; a parameter with no non-NaN element gets min = +inf,
// max = -inf.
struct MinMaxOp {
  struct Acc {
    uint32_t lo;
    uint32_t hi;
  };
  const float* x;
  uint32_t* lo_keys;
  uint32_t* hi_keys;

  __device__ Acc Identity() const { return Acc{kKeyPlusInf, kKeyMinusInf}; }
  __device__ void Add(Acc& a, uint32_t e, uint32_t) const {
    const float v = x[e];
    if (v != v) return;
    const uint32_t k = OrderedKey(v);
    a.lo = k < a.lo ? k : a.lo;
    a.hi = k > a.hi ? k : a.hi;
  }
  __device__ Acc Combine(const Acc& a, const Acc& b) const {
    return Acc{a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi};
  }
  __device__ void Flush(const Acc& a, uint32_t p) const {
    atomicMin(&lo_keys[p], a.lo);
    atomicMax(&hi_keys[p], a.hi);
  }
};

__global__ void InitKeysKernel(uint32_t* lo, uint32_t* hi, uint32_t count) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count) {
    lo[i] = kKeyPlusInf;
    hi[i] = kKeyMinusInf;
  }
}

__global__ void DecodeKeysKernel(uint32_t* lo, uint32_t* hi, uint32_t count) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count) {
    reinterpret_cast<float*>(lo)[i] = FromOrderedKey(lo[i]);
    reinterpret_cast<float*>(hi)[i] = FromOrderedKey(hi[i]);
  }
}

// libpymo-style histogram (spec §2.2), in float like libpymo's float
// instantiation: idx = round_half_away((x - x_left0) / bucket); idx outside
// [0, 511] or NaN is dropped (counted in *dropped). One shared-memory
// sub-histogram per block, merged with global atomics.
__global__ void __launch_bounds__(kThreads)
    HistogramKernel(const float* __restrict__ x, uint64_t n, float x_left0,
                    float bucket, unsigned long long* __restrict__ counts,
                    unsigned long long* __restrict__ dropped) {
  __shared__ uint32_t hist[kBins];
  for (int i = threadIdx.x; i < kBins; i += kThreads) hist[i] = 0;
  __syncthreads();
  unsigned long long drop = 0;
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * kThreads;
  for (uint64_t e = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
       e < n; e += stride) {
    const float r = RoundHalfAway((x[e] - x_left0) / bucket);
    if (r >= 0.0f && r <= static_cast<float>(kBins - 1)) {
      atomicAdd(&hist[static_cast<int>(r)], 1u);
    } else {
      ++drop;
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kBins; i += kThreads) {
    if (hist[i] != 0) atomicAdd(&counts[i], hist[i]);
  }
  if (dropped != nullptr) {
    for (int off = 16; off > 0; off >>= 1) {
      drop += __shfl_down_sync(0xffffffffu, drop, off);
    }
    if ((threadIdx.x & 31) == 0 && drop != 0) atomicAdd(dropped, drop);
  }
}

}  // namespace

int MinMax(const float* x, uint32_t n, const ParamIndexer& indexer,
           bool vary_inner, uint32_t inner, uint32_t num_params, float* mins,
           float* maxs, void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  uint32_t* lo = reinterpret_cast<uint32_t*>(mins);
  uint32_t* hi = reinterpret_cast<uint32_t*>(maxs);
  const unsigned pblocks = (num_params + kThreads - 1) / kThreads;
  InitKeysKernel<<<pblocks, kThreads, 0, s>>>(lo, hi, num_params);
  e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  e = LaunchWalk(n, indexer, vary_inner, inner, MinMaxOp{x, lo, hi}, s);
  if (e != cudaSuccess) return e;
  DecodeKeysKernel<<<pblocks, kThreads, 0, s>>>(lo, hi, num_params);
  return cudaGetLastError();
}

int Histogram512(const float* x, uint64_t n, float x_left0, float bucket,
                 uint64_t* counts, uint64_t* num_dropped, void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  e = cudaMemsetAsync(counts, 0, sizeof(uint64_t) * kBins, s);
  if (e == cudaSuccess && num_dropped != nullptr) {
    e = cudaMemsetAsync(num_dropped, 0, sizeof(uint64_t), s);
  }
  if (e != cudaSuccess) return e;
  if (n == 0) return cudaSuccess;
  HistogramKernel<<<GridFor(n, kThreads, sms, 8), kThreads, 0, s>>>(
      x, n, x_left0, bucket, reinterpret_cast<unsigned long long*>(counts),
      reinterpret_cast<unsigned long long*>(num_dropped));
  return cudaGetLastError();
}

}  // namespace quantsim::kernels::cuda::raw
