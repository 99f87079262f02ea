// raw.h: QDQ forward, STE backward and range-learning backward on the GPU.
//
// No formula is re-derived here: every value comes from the CPU kernels'
// scalar reference functions, compiled for the device (QS_HOST_DEVICE):
//   QDQ        FakeQuantValue / QdqMaskValue     (fake_quant/reference.h)
//   indexing   QdqLayout::RunParamIndex          (fake_quant/layout.h)
//   STE        SteGradValue                      (fake_quant_grad/
//   range grad RangeGradElement, grids from        range_learning_math.h)
//              MakeRangeGradGrid on the host
// built with --fmad=false and IEEE division (cuda.bzl), so device outputs
// equal the CPU's bit for bit, stochastic rounding included (counter-based
// draw keyed on the element's linear index).
#include <cuda_runtime.h>
#include <stdint.h>

#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"

namespace quantsim::kernels::cuda::raw {
namespace {

constexpr int kThreads = 256;
// Per-tensor QDQ reads float4 / writes float4 + uchar4 from this size on
// (when the pointers are aligned); smaller tensors are launch-bound anyway.
constexpr uint64_t kVec4MinElements = 4096;

__global__ void __launch_bounds__(kThreads)
    FakeQuantPerTensorKernel(const float* __restrict__ x, uint64_t begin,
                             uint64_t end, QdqParam p, QdqConfig c,
                             float* __restrict__ y,
                             uint8_t* __restrict__ mask) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t e =
           begin + static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       e < end; e += stride) {
    const float v = x[e];
    y[e] = FakeQuantValue(v, p, c, e);
    if (mask != nullptr) mask[e] = QdqMaskValue(v, p, c);
  }
}

// Elements [0, 4 * n4): the same per-element calls as above, four at a time
// with 16-byte loads/stores (element index e = 4 v + lane).
__global__ void __launch_bounds__(kThreads)
    FakeQuantPerTensorVec4Kernel(const float4* __restrict__ x, uint64_t n4,
                                 QdqParam p, QdqConfig c,
                                 float4* __restrict__ y,
                                 uchar4* __restrict__ mask) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t v =
           static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       v < n4; v += stride) {
    const float4 in = x[v];
    const uint64_t e = 4 * v;
    float4 out;
    out.x = FakeQuantValue(in.x, p, c, e);
    out.y = FakeQuantValue(in.y, p, c, e + 1);
    out.z = FakeQuantValue(in.z, p, c, e + 2);
    out.w = FakeQuantValue(in.w, p, c, e + 3);
    y[v] = out;
    if (mask != nullptr) {
      mask[v] = make_uchar4(QdqMaskValue(in.x, p, c), QdqMaskValue(in.y, p, c),
                            QdqMaskValue(in.z, p, c), QdqMaskValue(in.w, p, c));
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    FakeQuantLayoutKernel(const float* __restrict__ x, uint32_t n,
                          ParamIndexer ix, const QdqParam* __restrict__ params,
                          QdqConfig c, float* __restrict__ y,
                          uint8_t* __restrict__ mask) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t e =
           static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       e < n; e += stride) {
    const QdqParam p = params[ix(static_cast<uint32_t>(e))];
    const float v = x[e];
    y[e] = FakeQuantValue(v, p, c, e);
    if (mask != nullptr) mask[e] = QdqMaskValue(v, p, c);
  }
}

__global__ void __launch_bounds__(kThreads)
    SteBackwardKernel(const float* dy, const uint8_t* __restrict__ mask,
                      uint64_t n, float* dx) {  // dx may alias dy
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t e =
           static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       e < n; e += stride) {
    dx[e] = SteGradValue(dy[e], mask[e]);
  }
}

bool Aligned(const void* p, uintptr_t bytes) {
  return (reinterpret_cast<uintptr_t>(p) & (bytes - 1)) == 0;
}

}  // namespace

int FakeQuantPerTensor(const float* x, uint64_t n, QdqParam param,
                       QdqConfig config, float* y, uint8_t* mask,
                       void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  uint64_t done = 0;
  if (n >= kVec4MinElements && Aligned(x, 16) && Aligned(y, 16) &&
      (mask == nullptr || Aligned(mask, 4))) {
    const uint64_t n4 = n / 4;
    FakeQuantPerTensorVec4Kernel<<<GridFor(n4, kThreads, sms), kThreads, 0,
                                   s>>>(
        reinterpret_cast<const float4*>(x), n4, param, config,
        reinterpret_cast<float4*>(y), reinterpret_cast<uchar4*>(mask));
    e = cudaGetLastError();
    if (e != cudaSuccess) return e;
    done = 4 * n4;
  }
  if (done < n) {
    FakeQuantPerTensorKernel<<<GridFor(n - done, kThreads, sms), kThreads, 0,
                               s>>>(x, done, n, param, config, y, mask);
    e = cudaGetLastError();
  }
  return e;
}

int FakeQuantLayout(const float* x, uint32_t n, const ParamIndexer& indexer,
                    const QdqParam* params, QdqConfig config, float* y,
                    uint8_t* mask, void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  FakeQuantLayoutKernel<<<GridFor(n, kThreads, sms), kThreads, 0,
                          AsStream(stream)>>>(x, n, indexer, params, config, y,
                                              mask);
  return cudaGetLastError();
}

int SteBackward(const float* dy, const uint8_t* mask, uint64_t n, float* dx,
                void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  SteBackwardKernel<<<GridFor(n, kThreads, sms), kThreads, 0,
                      AsStream(stream)>>>(dy, mask, n, dx);
  return cudaGetLastError();
}

}  // namespace quantsim::kernels::cuda::raw
