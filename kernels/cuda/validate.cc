#include "kernels/cuda/validate.h"

#include <math.h>

#include "absl/strings/str_format.h"

namespace quantsim::kernels::cuda {
namespace {

bool IsInteger(float v) { return isfinite(v) && v == truncf(v); }

}  // namespace

absl::Status CheckCount(int64_t n, absl::string_view what) {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: negative element count %d", what, n));
  }
  return absl::OkStatus();
}

absl::Status CheckPointer(const void* p, absl::string_view name,
                          absl::string_view what) {
  if (p == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s is null", what, name));
  }
  return absl::OkStatus();
}

absl::Status CheckConfig(const QdqConfig& c, absl::string_view what) {
  if (!IsInteger(c.qmin) || !IsInteger(c.qmax) || !(c.qmin < c.qmax) ||
      fabsf(c.qmin) > 16777216.0f || fabsf(c.qmax) > 16777216.0f) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: integer grid [qmin=%g, qmax=%g] must be integers with qmin < "
        "qmax and |q| <= 2^24",
        what, c.qmin, c.qmax));
  }
  const auto r = static_cast<uint8_t>(c.rounding);
  if (r > static_cast<uint8_t>(RoundingMode::kStochastic)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unknown rounding mode %d", what, r));
  }
  return absl::OkStatus();
}

absl::Status CheckParam(const QdqParam& p, const QdqConfig& c,
                        absl::string_view what) {
  if (!(p.scale > 0.0f) || !isfinite(p.scale)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: scale must be finite and > 0, got %g", what, p.scale));
  }
  if (!IsInteger(p.zero_point)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: zero_point must be an integer, got %g", what, p.zero_point));
  }
  if (c.rounding != RoundingMode::kHalfToEven && !(p.clip_lo <= p.clip_hi)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: clip range [%g, %g] is empty or NaN", what, p.clip_lo, p.clip_hi));
  }
  return absl::OkStatus();
}

absl::Status CheckLayout(const QdqLayout& l, int64_t num_params,
                         absl::string_view what) {
  constexpr int64_t kMax32 = int64_t{0xffffffff} - 1;
  if (l.outer < 0 || l.axis < 0 || l.inner < 0 || l.block < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: bad layout outer=%d axis=%d inner=%d block=%d",
                        what, l.outer, l.axis, l.inner, l.block));
  }
  if (l.outer > kMax32 || l.axis > kMax32 || l.inner > kMax32 ||
      l.block > kMax32 || (l.axis > 0 && l.outer > kMax32 / l.axis) ||
      (l.outer * l.axis > 0 && l.inner > kMax32 / (l.outer * l.axis)) ||
      l.NumParams() > kMax32) {
    return absl::UnimplementedError(absl::StrFormat(
        "%s: layout outer=%d axis=%d inner=%d has 2^32 or more elements; "
        "only per-tensor QDQ supports that on CUDA",
        what, l.outer, l.axis, l.inner));
  }
  if (num_params != l.NumParams()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %d parameters given, the layout (outer=%d axis=%d inner=%d "
        "block=%d vary_outer=%d vary_inner=%d) needs %d",
        what, num_params, l.outer, l.axis, l.inner, l.block, l.vary_outer,
        l.vary_inner, l.NumParams()));
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels::cuda
