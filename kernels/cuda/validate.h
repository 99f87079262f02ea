// quantsim CUDA kernels: host-side argument checks shared by the launchers
// (internal). Every failure is InvalidArgument naming the operation
// (`what`) and the offending argument; Unimplemented for layouts beyond the
// 32-bit element/parameter indices of the per-channel kernels.
#ifndef QUANTSIM_KERNELS_CUDA_VALIDATE_H_
#define QUANTSIM_KERNELS_CUDA_VALIDATE_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels::cuda {

// n >= 0; pointer non-null when n > 0 (name used in the message).
absl::Status CheckCount(int64_t n, absl::string_view what);
absl::Status CheckPointer(const void* p, absl::string_view name,
                          absl::string_view what);
// qmin < qmax, both finite and integer-valued, |q| <= 2^24, known rounding.
absl::Status CheckConfig(const QdqConfig& c, absl::string_view what);
// scale > 0 and finite, zero_point finite and integer-valued, clip_lo <=
// clip_hi (for the modes that clip).
absl::Status CheckParam(const QdqParam& p, const QdqConfig& c,
                        absl::string_view what);
// Dims >= 0, block >= 1, NumElements() and NumParams() < 2^32 - 1 (else
// Unimplemented), `num_params` == layout.NumParams().
absl::Status CheckLayout(const QdqLayout& l, int64_t num_params,
                         absl::string_view what);

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_VALIDATE_H_
