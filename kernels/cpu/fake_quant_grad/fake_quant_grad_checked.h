// quantsim kernels: validating front ends of the QDQ backward kernels.
//
// Contract: each function checks its arguments and returns
// absl::InvalidArgument naming the offending argument (and channel) before
// running the kernel; on OK the outputs are written exactly as the kernel
// (ste_backward.h, range_learning_backward.h) writes them. Checked: sizes
// against the shape/layout, bitwidth in 2..32, rounding mode, axis in
// [-rank, rank), per channel min < max both finite (and max > 0 for v1
// symmetric), a positive finite scale, STE params (scale > 0 finite,
// qmin <= qmax).
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_FAKE_QUANT_GRAD_CHECKED_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_FAKE_QUANT_GRAD_CHECKED_H_

#include <stdint.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"

namespace quantsim::kernels {

// [outer, axis, inner] layout of a row-major tensor of `shape`, per tensor
// (axis = nullopt) or per channel along `axis` (negative counts from the
// end). Dims must be >= 0.
absl::StatusOr<QdqLayout> RangeGradLayout(absl::Span<const int64_t> shape,
                                          std::optional<int> axis);

absl::Status ValidateRangeGradConfig(const RangeGradConfig& config);

// One (min, max) per channel; see the file comment.
absl::Status ValidateEncodingRanges(absl::Span<const float> enc_min,
                                    absl::Span<const float> enc_max,
                                    const RangeGradConfig& config);

// Checked RangeLearnBackward. dx and x_hat may be empty (not computed);
// otherwise they hold as many elements as x. dmin/dmax hold one per channel.
absl::Status RangeLearnBackwardChecked(
    absl::Span<const float> x, absl::Span<const float> dy,
    absl::Span<const int64_t> shape, std::optional<int> axis,
    absl::Span<const float> enc_min, absl::Span<const float> enc_max,
    const RangeGradConfig& config, absl::Span<float> dx, absl::Span<float> dmin,
    absl::Span<float> dmax, absl::Span<float> x_hat,
    engine::ThreadPool* pool = nullptr, engine::Isa isa = engine::DefaultIsa());

absl::Status QdqSteBackwardChecked(absl::Span<const float> dy,
                                   absl::Span<const uint8_t> mask,
                                   absl::Span<float> dx,
                                   engine::ThreadPool* pool = nullptr,
                                   engine::Isa isa = engine::DefaultIsa());

absl::Status QdqSteBackwardRecomputeChecked(
    absl::Span<const float> x, absl::Span<const float> dy, absl::Span<float> dx,
    const QdqLayout& layout, absl::Span<const QdqParam> params,
    const QdqConfig& config, engine::ThreadPool* pool = nullptr,
    engine::Isa isa = engine::DefaultIsa());

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_FAKE_QUANT_GRAD_CHECKED_H_
