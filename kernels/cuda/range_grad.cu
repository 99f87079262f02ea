// raw.h: range-learning backward (spec §3.3 / §3.4) on the GPU.
//
// The math is the CPU's (kernels/cpu/fake_quant_grad/range_learning_math.h):
// per-channel RangeGradGrid from MakeRangeGradGrid on the host, and on the
// device every element goes through RangeGradElement, so dx and x_hat equal
// the CPU kernel's bit for bit and the per-element terms (g * d, and g where
// clipped; each exact in double) are the CPU's too. Only the order in which
// those terms are added differs from the CPU:
//   1. channel a's M = outer * inner elements, in (o, i) order, are cut into
//      tasks of kTaskElements (the CPU's default chunk, 16384); one thread
//      block sums a task: thread t adds elements t, t + 256, ... in order
//      (double), then a fixed shared-memory tree adds the 256 thread sums;
//   2. one thread per channel adds its task sums in task order and applies
//      dmin = float(dmin_ds * G_s + dmin_dso * S_o) (and dmax), the CPU's
//      expression.
// The order depends only on the layout (not on the GPU, grid size or
// timing), so results are reproducible run to run; no atomics.
#include <cuda_runtime.h>
#include <stdint.h>

#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"

namespace quantsim::kernels::cuda::raw {
namespace {

constexpr int kThreads = 256;
constexpr uint32_t kTaskElements = 16384;

__global__ void __launch_bounds__(kThreads)
    RangeGradTaskKernel(const float* __restrict__ x,
                        const float* __restrict__ dy, uint32_t axis,
                        uint32_t inner, FastDivmodU32 inner_div,
                        uint32_t per_channel_elems, uint32_t per_channel_tasks,
                        uint64_t tasks, const RangeGradGrid* __restrict__ grids,
                        bool half_even, float* __restrict__ dx,
                        float* __restrict__ x_hat,
                        RangeGradSums* __restrict__ partial) {
  __shared__ double ss[kThreads];
  __shared__ double so[kThreads];
  for (uint64_t t = blockIdx.x; t < tasks; t += gridDim.x) {
    const uint32_t a = static_cast<uint32_t>(t / per_channel_tasks);
    const uint32_t k = static_cast<uint32_t>(t % per_channel_tasks);
    const uint32_t j0 = k * kTaskElements;
    const uint32_t j1 = per_channel_elems - j0 < kTaskElements
                            ? per_channel_elems
                            : j0 + kTaskElements;
    const RangeGradGrid g = grids[a];
    RangeGradSums acc;
    for (uint64_t j = j0 + threadIdx.x; j < j1; j += kThreads) {
      uint32_t o, i;
      inner_div.DivMod(static_cast<uint32_t>(j), &o, &i);
      const uint32_t at = (o * axis + a) * inner + i;
      RangeGradElement(x[at], dy[at], g, half_even,
                       dx == nullptr ? nullptr : dx + at,
                       x_hat == nullptr ? nullptr : x_hat + at, &acc);
    }
    ss[threadIdx.x] = acc.s;
    so[threadIdx.x] = acc.o;
    __syncthreads();
    for (int h = kThreads / 2; h > 0; h >>= 1) {
      if (threadIdx.x < h) {
        ss[threadIdx.x] += ss[threadIdx.x + h];
        so[threadIdx.x] += so[threadIdx.x + h];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      RangeGradSums total;
      total.s = ss[0];
      total.o = so[0];
      partial[t] = total;
    }
    __syncthreads();  // ss / so are reused by the next task
  }
}

__global__ void RangeGradFinishKernel(const RangeGradSums* __restrict__ partial,
                                      uint32_t axis, uint32_t per_channel_tasks,
                                      const RangeGradGrid* __restrict__ grids,
                                      float* __restrict__ dmin,
                                      float* __restrict__ dmax) {
  const uint32_t a = blockIdx.x * blockDim.x + threadIdx.x;
  if (a >= axis) return;
  RangeGradSums total;
  const RangeGradSums* p =
      partial + static_cast<uint64_t>(a) * per_channel_tasks;
  for (uint32_t k = 0; k < per_channel_tasks; ++k) {
    total.s += p[k].s;
    total.o += p[k].o;
  }
  // As kernels::RangeLearnBackward (range_learning_backward.cc).
  const RangeGradGrid& g = grids[a];
  dmin[a] = static_cast<float>(g.dmin_ds * total.s + g.dmin_dso * total.o);
  dmax[a] = static_cast<float>(g.dmax_ds * total.s + g.dmax_dso * total.o);
}

}  // namespace

int RangeLearnBackward(const RangeGradArgs& r, void* stream) {
  if (r.axis == 0) return cudaSuccess;
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  const uint32_t m = r.outer * r.inner;  // < 2^32: checked by the caller
  const uint32_t per_channel_tasks = (m + kTaskElements - 1) / kTaskElements;
  const uint64_t tasks = uint64_t{r.axis} * per_channel_tasks;
  // Scratch: the grids, then one RangeGradSums per task (both 8-aligned).
  const size_t grid_bytes = sizeof(RangeGradGrid) * r.axis;
  const size_t bytes = grid_bytes + sizeof(RangeGradSums) * tasks;
  void* scratch = nullptr;
  e = cudaMallocAsync(&scratch, bytes, s);
  if (e != cudaSuccess) return e;
  RangeGradGrid* grids = static_cast<RangeGradGrid*>(scratch);
  RangeGradSums* partial = reinterpret_cast<RangeGradSums*>(
      static_cast<char*>(scratch) + grid_bytes);
  // From pageable memory this returns once r.grids has been staged, so the
  // caller may free it when we return.
  e = cudaMemcpyAsync(grids, r.grids, grid_bytes, cudaMemcpyHostToDevice, s);
  if (e == cudaSuccess && tasks > 0) {
    const uint64_t cap = static_cast<uint64_t>(sms) * 16;
    const unsigned blocks = static_cast<unsigned>(tasks < cap ? tasks : cap);
    RangeGradTaskKernel<<<blocks, kThreads, 0, s>>>(
        r.x, r.dy, r.axis, r.inner, FastDivmodU32::Make(r.inner), m,
        per_channel_tasks, tasks, grids, r.half_even, r.dx, r.x_hat, partial);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) {
    RangeGradFinishKernel<<<(r.axis + kThreads - 1) / kThreads, kThreads, 0,
                            s>>>(partial, r.axis, per_channel_tasks, grids,
                                 r.dmin, r.dmax);
    e = cudaGetLastError();
  }
  const cudaError_t f = cudaFreeAsync(scratch, s);
  return e != cudaSuccess ? e : f;
}

}  // namespace quantsim::kernels::cuda::raw
