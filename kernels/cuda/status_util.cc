#include "kernels/cuda/status_util.h"

#include "absl/strings/str_format.h"
#include "kernels/cuda/raw.h"

namespace quantsim::kernels::cuda {

absl::Status CudaStatus(int code, absl::string_view what) {
  if (code == raw::kSuccess) return absl::OkStatus();
  if (code == raw::kNotBuilt) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: quantsim was built without CUDA (rebuild with --config=cuda)",
        what));
  }
  if (raw::IsNoDevice(code)) {
    return absl::UnavailableError(
        absl::StrFormat("%s: no usable CUDA device: %s (%s)", what,
                        raw::ErrorName(code), raw::ErrorString(code)));
  }
  return absl::InternalError(absl::StrFormat("%s: CUDA error %s: %s", what,
                                             raw::ErrorName(code),
                                             raw::ErrorString(code)));
}

}  // namespace quantsim::kernels::cuda
