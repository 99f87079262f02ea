// quantsim CUDA kernels: per-parameter reductions over a QdqLayout (nvcc only).
//
// A reduction Op walks every element once and accumulates per parameter
// (channel / block):
//   struct Op {
//     struct Acc { ... };  // trivially constructible
//     __device__ Acc Identity() const;
//     __device__ void Add(Acc&, uint32_t e, uint32_t p) const;  // element e
//     __device__ Acc Combine(const Acc&, const Acc&) const;
//     __device__ void Flush(const Acc&, uint32_t p) const;  // atomics
//   };
// Each thread accumulates in registers over a run of elements sharing one
// parameter and flushes when the parameter changes, so atomics are rare:
//  * RowWalk (vary_inner == false): block b covers the contiguous span
//    [b * kRowSpan, (b + 1) * kRowSpan), read coalesced; when the whole block
//    saw one parameter (per-tensor, or channels longer than a span), a fixed-
//    order tree reduction in shared memory ends with one Flush per block.
//  * ColumnWalk (vary_inner == true, e.g. per-channel on the last axis):
//    thread = column, walking a chunk of rows, so the parameter only changes
//    at a block boundary along the axis.
#ifndef QUANTSIM_KERNELS_CUDA_WALK_CUH_
#define QUANTSIM_KERNELS_CUDA_WALK_CUH_

#include <cuda_runtime.h>
#include <stdint.h>

#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/param_index.h"

namespace quantsim::kernels::cuda::raw {

inline constexpr int kWalkThreads = 256;
inline constexpr int kRowIters = 16;
inline constexpr uint32_t kRowSpan = kWalkThreads * kRowIters;
inline constexpr uint32_t kNoParam = 0xffffffffu;

template <class Op>
__global__ void __launch_bounds__(kWalkThreads)
    RowWalkKernel(uint32_t n, ParamIndexer ix, Op op) {
  using Acc = typename Op::Acc;
  __shared__ Acc shared[kWalkThreads];
  const uint64_t begin = static_cast<uint64_t>(blockIdx.x) * kRowSpan;
  const uint64_t end = begin + kRowSpan < n ? begin + kRowSpan : n;
  Acc acc = op.Identity();
  uint32_t cur = kNoParam;
  for (uint64_t e = begin + threadIdx.x; e < end; e += kWalkThreads) {
    const uint32_t p = ix(static_cast<uint32_t>(e));
    if (p != cur) {
      if (cur != kNoParam) op.Flush(acc, cur);
      cur = p;
      acc = op.Identity();
    }
    op.Add(acc, static_cast<uint32_t>(e), p);
  }
  const uint32_t first = ix(static_cast<uint32_t>(begin));
  if (__syncthreads_and(cur == kNoParam || cur == first)) {
    shared[threadIdx.x] = acc;
    __syncthreads();
    for (int s = kWalkThreads / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) {
        shared[threadIdx.x] =
            op.Combine(shared[threadIdx.x], shared[threadIdx.x + s]);
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) op.Flush(shared[0], first);
  } else if (cur != kNoParam) {
    op.Flush(acc, cur);
  }
}

template <class Op>
__global__ void __launch_bounds__(kWalkThreads)
    ColumnWalkKernel(uint32_t rows, uint32_t inner, uint32_t rows_per_chunk,
                     ParamIndexer ix, Op op) {
  using Acc = typename Op::Acc;
  const uint32_t col = blockIdx.x * kWalkThreads + threadIdx.x;
  if (col >= inner) return;
  const uint32_t r0 = blockIdx.y * rows_per_chunk;
  const uint32_t r1 = r0 + rows_per_chunk < rows ? r0 + rows_per_chunk : rows;
  Acc acc = op.Identity();
  uint32_t cur = kNoParam;
  for (uint32_t r = r0; r < r1; ++r) {
    const uint32_t p = ix.RowParamBase(r) + col;
    if (p != cur) {
      if (cur != kNoParam) op.Flush(acc, cur);
      cur = p;
      acc = op.Identity();
    }
    op.Add(acc, r * inner + col, p);
  }
  if (cur != kNoParam) op.Flush(acc, cur);
}

// Runs `op` over n elements (none when n == 0) laid out as described by `ix`.
template <class Op>
cudaError_t LaunchWalk(uint32_t n, const ParamIndexer& ix, bool vary_inner,
                       uint32_t inner, const Op& op, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (!vary_inner) {
    const unsigned blocks = (n + kRowSpan - 1) / kRowSpan;
    RowWalkKernel<Op><<<blocks, kWalkThreads, 0, stream>>>(n, ix, op);
    return cudaGetLastError();
  }
  const uint32_t rows = n / inner;
  uint32_t rows_per_chunk = 64;
  const uint32_t max_chunks = 65535;
  if ((rows + rows_per_chunk - 1) / rows_per_chunk > max_chunks) {
    rows_per_chunk = (rows + max_chunks - 1) / max_chunks;
  }
  const dim3 grid((inner + kWalkThreads - 1) / kWalkThreads,
                  (rows + rows_per_chunk - 1) / rows_per_chunk);
  ColumnWalkKernel<Op>
      <<<grid, kWalkThreads, 0, stream>>>(rows, inner, rows_per_chunk, ix, op);
  return cudaGetLastError();
}

}  // namespace quantsim::kernels::cuda::raw

#endif  // QUANTSIM_KERNELS_CUDA_WALK_CUH_
