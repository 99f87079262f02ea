// raw.h: min/max per parameter and fixed-range histograms on the GPU.
//
// The per-element rules are the CPU's scalar reference
// (kernels/cpu/stats/stats_reference.h), compiled for the device:
// MinFold / MaxFold (NaN ignored, -0 < +0), RoundedBucketIndex (libpymo's
// roundf(x / width - offset)) and LinearBinIndex (torch.histc). MinFold and
// MaxFold are exact, commutative and associative, and histogram counts are
// integer sums, so the results equal the CPU kernels' whatever the order in
// which blocks run.
#include <cuda_runtime.h>
#include <stdint.h>

#include "kernels/cpu/stats/stats_reference.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/walk.cuh"

namespace quantsim::kernels::cuda::raw {
namespace {

constexpr int kThreads = 256;

// *addr = fold(v, *addr) atomically (compare-and-swap loop).
template <typename Fold>
__device__ void AtomicFold(float* addr, float v, Fold fold) {
  unsigned* u = reinterpret_cast<unsigned*>(addr);
  unsigned old = *reinterpret_cast<volatile unsigned*>(u);
  while (true) {
    const unsigned want = FloatBits(fold(v, BitsFloat(old)));
    if (want == old) return;
    const unsigned seen = atomicCAS(u, old, want);
    if (seen == old) return;
    old = seen;
  }
}

struct MinFn {
  __device__ float operator()(float x, float acc) const {
    return MinFold(x, acc);
  }
};
struct MaxFn {
  __device__ float operator()(float x, float acc) const {
    return MaxFold(x, acc);
  }
};

// A parameter with no non-NaN element keeps min = +inf, max = -inf.
struct MinMaxOp {
  struct Acc {
    float lo;
    float hi;
  };
  const float* x;
  float* mins;
  float* maxs;

  __device__ Acc Identity() const { return Acc{INFINITY, -INFINITY}; }
  __device__ void Add(Acc& a, uint32_t e, uint32_t) const {
    const float v = x[e];
    a.lo = MinFold(v, a.lo);
    a.hi = MaxFold(v, a.hi);
  }
  __device__ Acc Combine(const Acc& a, const Acc& b) const {
    return Acc{MinFold(b.lo, a.lo), MaxFold(b.hi, a.hi)};
  }
  __device__ void Flush(const Acc& a, uint32_t p) const {
    AtomicFold(&mins[p], a.lo, MinFn{});
    AtomicFold(&maxs[p], a.hi, MaxFn{});
  }
};

__global__ void InitMinMaxKernel(float* lo, float* hi, uint32_t count) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count) {
    lo[i] = INFINITY;
    hi[i] = -INFINITY;
  }
}

struct RoundedBin {
  float width;
  float offset;
  int32_t num;
  __device__ int32_t operator()(float x) const {
    return RoundedBucketIndex(x, width, offset, num);
  }
};

struct LinearBin {
  float lo;
  float hi;
  int32_t num;
  __device__ int32_t operator()(float x) const {
    return LinearBinIndex(x, lo, hi, num);
  }
};

// One shared-memory uint32 histogram of num + 1 slots per block (slot num:
// dropped), added to the global uint64 counts when the block is done. A
// block sees at most n / gridDim.x elements, far below 2^32.
template <class Bin>
__global__ void __launch_bounds__(kThreads)
    HistogramKernel(const float* __restrict__ x, uint64_t n, Bin bin,
                    unsigned long long* __restrict__ counts,
                    unsigned long long* __restrict__ dropped) {
  extern __shared__ uint32_t hist[];
  const int32_t slots = bin.num + 1;
  for (int32_t i = threadIdx.x; i < slots; i += kThreads) hist[i] = 0;
  __syncthreads();
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * kThreads;
  for (uint64_t e = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
       e < n; e += stride) {
    atomicAdd(&hist[bin(x[e])], 1u);
  }
  __syncthreads();
  for (int32_t i = threadIdx.x; i < bin.num; i += kThreads) {
    if (hist[i] != 0) atomicAdd(&counts[i], hist[i]);
  }
  if (threadIdx.x == 0 && dropped != nullptr && hist[bin.num] != 0) {
    atomicAdd(dropped, hist[bin.num]);
  }
}

template <class Bin>
int LaunchHistogram(const float* x, uint64_t n, Bin bin, uint64_t* counts,
                    uint64_t* dropped, void* stream) {
  if (n == 0) return cudaSuccess;
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const size_t shared = sizeof(uint32_t) * (static_cast<size_t>(bin.num) + 1);
  HistogramKernel<Bin>
      <<<GridFor(n, kThreads, sms, 8), kThreads, shared, AsStream(stream)>>>(
          x, n, bin, reinterpret_cast<unsigned long long*>(counts),
          reinterpret_cast<unsigned long long*>(dropped));
  return cudaGetLastError();
}

}  // namespace

int MinMax(const float* x, uint32_t n, const ParamIndexer& indexer,
           uint32_t num_params, float* mins, float* maxs, void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);  // where "no device" surfaces
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  InitMinMaxKernel<<<(num_params + kThreads - 1) / kThreads, kThreads, 0, s>>>(
      mins, maxs, num_params);
  e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  return LaunchWalk(n, indexer, MinMaxOp{x, mins, maxs}, s);
}

int HistogramRounded(const float* x, uint64_t n, float width, float offset,
                     int32_t num, uint64_t* counts, uint64_t* dropped,
                     void* stream) {
  return LaunchHistogram(x, n, RoundedBin{width, offset, num}, counts, dropped,
                         stream);
}

int HistogramLinear(const float* x, uint64_t n, float lo, float hi, int32_t num,
                    uint64_t* counts, uint64_t* num_nan, void* stream) {
  return LaunchHistogram(x, n, LinearBin{lo, hi, num}, counts, num_nan, stream);
}

}  // namespace quantsim::kernels::cuda::raw
