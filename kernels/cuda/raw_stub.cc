// The default (no --config=cuda) implementation of raw.h: every call reports
// kNotBuilt, which the front ends turn into FailedPrecondition.
#include "kernels/cuda/raw.h"

namespace quantsim::kernels::cuda::raw {

int CompiledWithCuda() { return 0; }
const char* ErrorName(int code) {
  return code == kNotBuilt ? "kNotBuilt" : "unknown";
}
const char* ErrorString(int code) {
  return code == kNotBuilt
             ? "quantsim was built without CUDA (rebuild with --config=cuda)"
             : "unknown error";
}
bool IsNoDevice(int) { return false; }
int DeviceCount(int* count) {
  *count = 0;
  return kNotBuilt;
}
int DeviceDescription(char* buf, size_t len) {
  if (len > 0) buf[0] = '\0';
  return kNotBuilt;
}
int Malloc(void** ptr, size_t) {
  *ptr = nullptr;
  return kNotBuilt;
}
int Free(void*) { return kNotBuilt; }
int CopyHostToDevice(void*, const void*, size_t) { return kNotBuilt; }
int CopyDeviceToHost(void*, const void*, size_t) { return kNotBuilt; }
int CopyDeviceToDevice(void*, const void*, size_t, void*) { return kNotBuilt; }
int MemsetAsync(void*, int, size_t, void*) { return kNotBuilt; }
int StreamSynchronize(void*) { return kNotBuilt; }
int FakeQuantPerTensor(const float*, uint64_t, QdqParam, QdqConfig, float*,
                       uint8_t*, void*) {
  return kNotBuilt;
}
int FakeQuantLayout(const float*, uint32_t, const ParamIndexer&,
                    const QdqParam*, QdqConfig, float*, uint8_t*, void*) {
  return kNotBuilt;
}
int SteBackward(const float*, const uint8_t*, uint64_t, float*, void*) {
  return kNotBuilt;
}
int RangeLearningBackward(const RangeGradArgs&, void*) { return kNotBuilt; }
int MinMax(const float*, uint32_t, const ParamIndexer&, bool, uint32_t,
           uint32_t, float*, float*, void*) {
  return kNotBuilt;
}
int Histogram512(const float*, uint64_t, float, float, uint64_t*, uint64_t*,
                 void*) {
  return kNotBuilt;
}

}  // namespace quantsim::kernels::cuda::raw
