// quantsim CUDA kernels: the plain C ABI between nvcc-compiled code and g++.
//
// INTERNAL to kernels/cuda: use device.h, fake_quant.h and stats.h instead.
// Contract: no CUDA and no Abseil types cross this boundary (nvcc never parses
// absl, g++ never parses cuda_runtime.h). Every function returns 0 on success
// or a cudaError_t value; the stub build (no --config=cuda) returns kNotBuilt
// from everything. Launchers only enqueue work on `stream` (a cudaStream_t as
// void*, nullptr = the legacy default stream) and report launch errors;
// argument validation is done by the callers (the .cc front ends).
#ifndef QUANTSIM_KERNELS_CUDA_RAW_H_
#define QUANTSIM_KERNELS_CUDA_RAW_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"
#include "kernels/cuda/param_index.h"

namespace quantsim::kernels::cuda::raw {

inline constexpr int kSuccess = 0;
inline constexpr int kNotBuilt = -1;  // returned by every stub function

// 1 when the implementation was compiled by nvcc, 0 for the stub.
int CompiledWithCuda();
const char* ErrorName(int code);
const char* ErrorString(int code);
// True for "no device / no driver" errors (cudaErrorNoDevice,
// cudaErrorInsufficientDriver, ...).
bool IsNoDevice(int code);

int DeviceCount(int* count);
// Writes "NAME (sm_XY, N SMs)" of the current device into buf (NUL-ended).
int DeviceDescription(char* buf, size_t len);

int Malloc(void** ptr, size_t bytes);
int Free(void* ptr);
int CopyHostToDevice(void* dst, const void* src, size_t bytes);
int CopyDeviceToHost(void* dst, const void* src, size_t bytes);
int CopyDeviceToDevice(void* dst, const void* src, size_t bytes, void* stream);
int MemsetAsync(void* dst, int value, size_t bytes, void* stream);
int StreamSynchronize(void* stream);

// --- fake_quant.cu -------------------------------------------------------
int FakeQuantPerTensor(const float* x, uint64_t n, QdqParam param,
                       QdqConfig config, float* y, uint8_t* mask, void* stream);
int FakeQuantLayout(const float* x, uint32_t n, const ParamIndexer& indexer,
                    const QdqParam* params, QdqConfig config, float* y,
                    uint8_t* mask, void* stream);
int SteBackward(const float* dy, const uint8_t* mask, uint64_t n, float* dx,
                void* stream);

// Range-learning backward over a plain per-axis layout (block 1, no
// vary_outer / vary_inner; see fake_quant.h).
struct RangeGradArgs {
  const float* x = nullptr;
  const float* dy = nullptr;
  uint32_t outer = 1;
  uint32_t axis = 0;  // channels
  uint32_t inner = 1;
  const RangeGradGrid* grids = nullptr;  // HOST array of `axis` grids
  bool half_even = true;
  float* dx = nullptr;     // nullable
  float* x_hat = nullptr;  // nullable
  float* dmin = nullptr;
  float* dmax = nullptr;
};
int RangeLearnBackward(const RangeGradArgs& args, void* stream);

// --- stats.cu ------------------------------------------------------------
int MinMax(const float* x, uint32_t n, const ParamIndexer& indexer,
           uint32_t num_params, float* mins, float* maxs, void* stream);
// Both ADD to counts[0, num) and *dropped (nullable).
int HistogramRounded(const float* x, uint64_t n, float width, float offset,
                     int32_t num, uint64_t* counts, uint64_t* dropped,
                     void* stream);
int HistogramLinear(const float* x, uint64_t n, float lo, float hi, int32_t num,
                    uint64_t* counts, uint64_t* num_nan, void* stream);

}  // namespace quantsim::kernels::cuda::raw

#endif  // QUANTSIM_KERNELS_CUDA_RAW_H_
