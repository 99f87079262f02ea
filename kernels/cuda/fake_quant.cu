// raw.h: QDQ forward, STE backward and range-learning backward on the GPU.
//
// Every value is computed by the functions of kernels/cpu/fake_quant/
// reference.h (QS_HOST_DEVICE), compiled with --fmad=false and IEEE division
// (nvcc's -prec-div=true default, set explicitly in cuda.bzl), so the device
// output equals the CPU scalar reference bit for bit, stochastic rounding
// included (counter-based draw keyed on the element's linear index).
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

__global__ void __launch_bounds__(kThreads)
    FakeQuantPerTensorKernel(const float* __restrict__ x, uint64_t n,
                             QdqParam p, QdqConfig c, float* __restrict__ y,
                             uint8_t* __restrict__ mask) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t e =
           static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       e < n; e += stride) {
    const float v = x[e];
    y[e] = FakeQuantValue(v, p, c, e);
    if (mask != nullptr) mask[e] = QdqMaskValue(v, p, c);
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
    SteBackwardKernel(const float* __restrict__ dy,
                      const uint8_t* __restrict__ mask, uint64_t n,
                      float* __restrict__ dx) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t e =
           static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       e < n; e += stride) {
    dx[e] = dy[e] * static_cast<float>(mask[e]);
  }
}

// Per-element range-learning terms (spec §3.3 / §3.4), summed in double:
//   G_s += g * ((q - z) - mask * x / s)   (LSQ scale gradient; q - z equals
//          v2's clamp(round(x/s), o + qmin, o + qmax) and v1's q + o)
//   G_o += g * s * (1 - mask)
// and dx = g * mask, the same float product as SteBackward.
struct RangeGradOp {
  struct Acc {
    double s;
    double o;
  };
  const float* x;
  const float* dy;
  const QdqParam* params;
  QdqConfig c;
  float* dx;
  double* sums;  // [num_params][2]

  __device__ Acc Identity() const { return Acc{0.0, 0.0}; }
  __device__ void Add(Acc& a, uint32_t e, uint32_t pi) const {
    const QdqParam p = params[pi];
    const float v = x[e];
    const float g = dy[e];
    const uint8_t m = QdqMaskValue(v, p, c);
    dx[e] = g * static_cast<float>(m);
    const double q_minus_z = static_cast<double>(QuantizeValue(v, p, c, e)) -
                             static_cast<double>(p.zero_point);
    const double s = p.scale;
    const double gd = g;
    a.s += gd * (q_minus_z - (m ? static_cast<double>(v) / s : 0.0));
    if (!m) a.o += gd * s;
  }
  __device__ Acc Combine(const Acc& a, const Acc& b) const {
    return Acc{a.s + b.s, a.o + b.o};
  }
  __device__ void Flush(const Acc& a, uint32_t p) const {
    atomicAdd(&sums[2 * p], a.s);
    atomicAdd(&sums[2 * p + 1], a.o);
  }
};

// Chain rule from (G_s, G_o) to (dmin, dmax), in double; N = qmax - qmin.
//  v1 (§3.3) asymmetric: dmin = -G_s/N + max N/(max-min)^2 G_o,
//                        dmax =  G_s/N - min N/(max-min)^2 G_o
//  v1 symmetric:         dmax = G_s / floor(N/2), dmin = -dmax
//  v2 (§3.4) asymmetric: dmin = -G_s/N + G_o (1/s + min/(s^2 N)),
//                        dmax =  G_s/N - G_o min/(s^2 N)
//  v2 symmetric:         dmin = -G_s/N, dmax = G_s/N
__global__ void RangeGradFinalizeKernel(
    const double* __restrict__ sums, uint32_t num_params,
    const QdqParam* __restrict__ params, const float* __restrict__ enc_min,
    const float* __restrict__ enc_max, double big_n, bool symmetric,
    int formula, float* __restrict__ dmin, float* __restrict__ dmax) {
  const uint32_t p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= num_params) return;
  const double gs = sums[2 * p];
  const double go = sums[2 * p + 1];
  double lo, hi;
  if (formula == 0) {
    if (symmetric) {
      hi = gs / floor(big_n / 2.0);
      lo = -hi;
    } else {
      const double mn = enc_min[p];
      const double mx = enc_max[p];
      const double k = big_n / ((mx - mn) * (mx - mn));
      lo = -gs / big_n + mx * k * go;
      hi = gs / big_n - mn * k * go;
    }
  } else {
    if (symmetric) {
      hi = gs / big_n;
      lo = -gs / big_n;
    } else {
      const double s = params[p].scale;
      const double c = static_cast<double>(enc_min[p]) / (s * s * big_n);
      lo = -gs / big_n + go * (1.0 / s + c);
      hi = gs / big_n - go * c;
    }
  }
  dmin[p] = static_cast<float>(lo);
  dmax[p] = static_cast<float>(hi);
}

}  // namespace

int FakeQuantPerTensor(const float* x, uint64_t n, QdqParam param,
                       QdqConfig config, float* y, uint8_t* mask,
                       void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  FakeQuantPerTensorKernel<<<GridFor(n, kThreads, sms), kThreads, 0,
                             AsStream(stream)>>>(x, n, param, config, y, mask);
  return cudaGetLastError();
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

int RangeLearningBackward(const RangeGradArgs& a, void* stream) {
  int sms = 0;
  cudaError_t e = SmCount(&sms);
  if (e != cudaSuccess) return e;
  const cudaStream_t s = AsStream(stream);
  double* sums = nullptr;
  const size_t bytes = sizeof(double) * 2 * a.num_params;
  e = cudaMallocAsync(reinterpret_cast<void**>(&sums), bytes, s);
  if (e != cudaSuccess) return e;
  e = cudaMemsetAsync(sums, 0, bytes, s);
  if (e == cudaSuccess) {
    const RangeGradOp op{a.x, a.dy, a.params, a.config, a.dx, sums};
    e = LaunchWalk(a.n, a.indexer, a.vary_inner, a.inner, op, s);
  }
  if (e == cudaSuccess) {
    const double big_n =
        static_cast<double>(a.config.qmax) - static_cast<double>(a.config.qmin);
    RangeGradFinalizeKernel<<<(a.num_params + kThreads - 1) / kThreads,
                              kThreads, 0, s>>>(
        sums, a.num_params, a.params, a.enc_min, a.enc_max, big_n, a.symmetric,
        a.formula, a.dmin, a.dmax);
    e = cudaGetLastError();
  }
  const cudaError_t f = cudaFreeAsync(sums, s);
  return e != cudaSuccess ? e : f;
}

}  // namespace quantsim::kernels::cuda::raw
