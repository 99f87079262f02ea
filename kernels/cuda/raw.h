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

// Range-learning backward (see fake_quant.h for the formulas).
struct RangeGradArgs {
  const float* x = nullptr;
  const float* dy = nullptr;
  uint32_t n = 0;
  ParamIndexer indexer;
  bool vary_inner = false;  // picks the column walk
  uint32_t inner = 1;
  const QdqParam* params = nullptr;
  const float* enc_min = nullptr;
  const float* enc_max = nullptr;
  uint32_t num_params = 0;
  QdqConfig config;
  bool symmetric = false;
  int formula = 0;  // 0 = AIMET v1 (spec §3.3), 1 = v2 (§3.4)
  float* dx = nullptr;
  float* dmin = nullptr;
  float* dmax = nullptr;
};
int RangeLearningBackward(const RangeGradArgs& args, void* stream);

// --- stats.cu ------------------------------------------------------------
int MinMax(const float* x, uint32_t n, const ParamIndexer& indexer,
           bool vary_inner, uint32_t inner, uint32_t num_params, float* mins,
           float* maxs, void* stream);
int Histogram512(const float* x, uint64_t n, float x_left0, float bucket,
                 uint64_t* counts, uint64_t* num_dropped, void* stream);

}  // namespace quantsim::kernels::cuda::raw

#endif  // QUANTSIM_KERNELS_CUDA_RAW_H_
