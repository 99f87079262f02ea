#include "quant/v2_encoding.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace quantsim::quant {
namespace {

absl::Status CheckObserved(float min, float max) {
  if (std::isnan(min) || std::isnan(max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min/max is NaN (min ", min, ", max ", max, ")"));
  }
  if (min > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("min ", min, " is greater than max ", max));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<V2Range> V2MinMaxRange(float observed_min, float observed_max,
                                      int bitwidth, bool symmetric,
                                      V2MinScale min_scale) {
  if (absl::Status s = ValidateBitwidth(bitwidth); !s.ok()) return s;
  if (absl::Status s = CheckObserved(observed_min, observed_max); !s.ok()) {
    return s;
  }
  const double n = static_cast<double>(NumSteps(bitwidth));
  const double positive_steps = std::floor(n / 2.0);
  const double negative_steps = std::ceil(n / 2.0);
  // v2 compares float32 tensors with a Python float: the scalar is cast to
  // float32, as are the Python-float widening terms added below.
  double s_min = FLT_EPSILON;
  if (min_scale == V2MinScale::kEpsilonOrPerStep) {
    s_min = std::min<double>(FLT_EPSILON, 0.01 / n);
  }
  float mn = std::min(observed_min, 0.0f);
  float mx = std::max(observed_max, 0.0f);
  if ((mx - mn) / static_cast<float>(n) < static_cast<float>(s_min)) {
    if (symmetric) {
      mx = mx + static_cast<float>(positive_steps * s_min);
      mn = mn - static_cast<float>(negative_steps * s_min);
    } else {
      mx = mx + static_cast<float>(n * s_min);
    }
  }
  if (symmetric) {
    const float delta = std::max(mx / static_cast<float>(positive_steps),
                                 -mn / static_cast<float>(negative_steps));
    mn = -static_cast<float>(negative_steps) * delta;
    mx = static_cast<float>(positive_steps) * delta;
  }
  V2Range r;
  r.min = std::clamp(mn, -FLT_MAX, FLT_MAX);
  r.max = std::clamp(mx, -FLT_MAX, FLT_MAX);
  return r;
}

absl::StatusOr<Encoding> V2EncodingFromMinMax(float min, float max,
                                              int bitwidth, bool symmetric) {
  if (absl::Status s = ValidateBitwidth(bitwidth); !s.ok()) return s;
  if (absl::Status s = CheckObserved(min, max); !s.ok()) return s;
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min/max must be finite (min ", min, ", max ", max, ")"));
  }
  Encoding e;
  e.bitwidth = bitwidth;
  e.symmetric = symmetric;
  if (IsPassThrough(bitwidth)) {
    e.pass_through = true;
    e.min = min;
    e.max = max;
    return e;
  }
  const IntegerRange grid = IntegerRangeFor(bitwidth, symmetric);
  const float qmin = static_cast<float>(grid.qmin);
  const float qmax = static_cast<float>(grid.qmax);
  const float scale = (max - min) / (qmax - qmin);
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scale (max - min) / N = ", scale,
                     " must be finite and > 0 (min ", min, ", max ", max, ")"));
  }
  const float offset_v2 =
      symmetric ? 0.0f : kernels::RoundHalfToEven(min / scale) - qmin;
  e.scale = scale;
  e.offset = static_cast<double>(offset_v2 + qmin);
  e.min = scale * (offset_v2 + qmin);
  e.max = scale * (offset_v2 + qmax);
  return e;
}

absl::StatusOr<Encoding> ComputeV2MinMaxEncoding(float observed_min,
                                                 float observed_max,
                                                 int bitwidth, bool symmetric,
                                                 V2MinScale min_scale) {
  absl::StatusOr<V2Range> r =
      V2MinMaxRange(observed_min, observed_max, bitwidth, symmetric, min_scale);
  if (!r.ok()) return r.status();
  return V2EncodingFromMinMax(r->min, r->max, bitwidth, symmetric);
}

kernels::QdqParam ToV2KernelParam(const Encoding& e) {
  const IntegerRange grid = IntegerRangeFor(e.bitwidth, UsesSignedGrid(e));
  // Signed symmetric: offset_v2 = 0. Unsigned: offset_v2 = legacy offset.
  const float zero_point =
      UsesSignedGrid(e) ? 0.0f : -static_cast<float>(e.offset);
  return kernels::MakeQdqParam(static_cast<float>(e.scale), zero_point,
                               static_cast<float>(grid.qmin),
                               static_cast<float>(grid.qmax));
}

kernels::QdqConfig V2KernelConfig(const Encoding& e) {
  const IntegerRange grid = IntegerRangeFor(e.bitwidth, UsesSignedGrid(e));
  kernels::QdqConfig c;
  c.qmin = static_cast<float>(grid.qmin);
  c.qmax = static_cast<float>(grid.qmax);
  c.rounding = kernels::RoundingMode::kHalfToEven;
  return c;
}

}  // namespace quantsim::quant
