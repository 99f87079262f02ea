// quantsim CUDA kernels: raw.h error codes -> absl::Status (internal).
//
// Contract: 0 -> OK; raw::kNotBuilt -> FailedPrecondition ("built without
// CUDA"); no device / no driver -> Unavailable; any other CUDA error ->
// Internal with cudaGetErrorName and cudaGetErrorString. `what` names the
// operation, e.g. "FakeQuant".
#ifndef QUANTSIM_KERNELS_CUDA_STATUS_UTIL_H_
#define QUANTSIM_KERNELS_CUDA_STATUS_UTIL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace quantsim::kernels::cuda {

absl::Status CudaStatus(int code, absl::string_view what);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_STATUS_UTIL_H_
