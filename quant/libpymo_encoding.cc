#include "quant/libpymo_encoding.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace quantsim::quant {
namespace {

constexpr double kFloatMax = FLT_MAX;
constexpr double kInf = std::numeric_limits<double>::infinity();

absl::Status CheckNotNan(double min, double max) {
  if (std::isnan(min) || std::isnan(max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min/max is NaN (min ", min, ", max ", max, ")"));
  }
  return absl::OkStatus();
}

// Finite values must fit a float: libpymo's ranges come from float tensors.
absl::Status CheckFloatRange(double min, double max) {
  for (double v : {min, max}) {
    if (std::isfinite(v) && std::fabs(v) > kFloatMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("min/max ", v, " is outside the float range"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOrdered(double min, double max) {
  if (min > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("min ", min, " is greater than max ", max));
  }
  return absl::OkStatus();
}

Encoding PassThrough(double min, double max, bool symmetric, bool strict) {
  Encoding e;
  e.bitwidth = kPassThroughBitwidth;
  e.pass_through = true;
  e.min = min;
  e.max = max;
  e.symmetric = symmetric;
  e.strict_symmetric = strict;
  return e;
}

// §1.4 step 3 on an already gated range.
Encoding KernelDerive(Range g, double n, int bitwidth, bool strict) {
  Encoding e;
  e.bitwidth = bitwidth;
  e.symmetric = strict;
  e.strict_symmetric = strict;
  e.scale = (g.max - g.min) / n;
  e.offset = std::round(g.min / e.scale);
  e.min = e.offset * e.scale;
  e.max = n * e.scale + e.min;
  return e;
}

absl::Status CheckKernelRange(double min, double max) {
  if (absl::Status s = CheckNotNan(min, max); !s.ok()) return s;
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel encoding min/max must be finite (min ", min,
                     ", max ", max, ")"));
  }
  if (absl::Status s = CheckFloatRange(min, max); !s.ok()) return s;
  return CheckOrdered(min, max);
}

}  // namespace

Range GateLibpymoRange(double min, double max, double min_range) {
  Range r;
  r.min = std::min(min, 0.0);
  r.max = std::max(max, 0.0);
  r.max = std::max(r.max, r.min + min_range);
  return r;
}

absl::StatusOr<Encoding> ComputeLibpymoEncoding(double min, double max,
                                                const GridOptions& options) {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (absl::Status s = CheckNotNan(min, max); !s.ok()) return s;
  if (absl::Status s = CheckFloatRange(min, max); !s.ok()) return s;
  if (absl::Status s = CheckOrdered(min, max); !s.ok()) return s;
  if (!(min <= 0.0 && max >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "range [", min, ", ", max, "] does not contain 0 (gate it first)"));
  }
  if (min == max) {
    return absl::InvalidArgumentError(
        "empty range [0, 0] (gate it first: max >= min + min_range)");
  }
  const bool strict = options.symmetric && options.strict_symmetric;
  if (IsPassThrough(options.bitwidth)) {
    return PassThrough(min, max, options.symmetric, strict);
  }
  Encoding e;
  e.bitwidth = options.bitwidth;
  e.symmetric = options.symmetric;
  e.strict_symmetric = strict;
  const double n = static_cast<double>(NumSteps(options.bitwidth, strict));
  if (min == -kInf) min = -kFloatMax;
  if (max == kInf) max = kFloatMax;

  if (options.symmetric && (min < 0.0 || !options.unsigned_symmetric)) {
    // Signed symmetric: floor(N/2) positive steps, ceil(N/2) negative ones.
    const double abs_max = std::max(std::fabs(min), std::fabs(max));
    const double positive_steps = std::floor(n / 2.0);
    e.scale = abs_max / positive_steps;
    e.offset = -std::ceil(n / 2.0);
    e.min = std::max(e.offset * e.scale, -kFloatMax);
    e.max = std::min(positive_steps * e.scale, kFloatMax);
    return e;
  }
  // Asymmetric, or unsigned symmetric with min >= 0.
  e.scale = (max - min) / n;
  if (min < 0.0 && max > 0.0) {
    // Shift the range, keeping its width, so that 0 is a grid point.
    const double zero = std::clamp(std::round(-min / e.scale), 0.0, n);
    e.offset = -zero;
    e.min = e.offset * e.scale;
    e.max = std::min(max - min + e.min, kFloatMax);
  } else {
    e.offset = std::round(min / e.scale);
    e.min = min;
    e.max = max;
  }
  return e;
}

absl::StatusOr<Encoding> ComputeTfEncoding(double observed_min,
                                           double observed_max,
                                           const GridOptions& options) {
  if (absl::Status s = ValidateGridOptions(options); !s.ok()) return s;
  if (absl::Status s = CheckNotNan(observed_min, observed_max); !s.ok()) {
    return s;
  }
  const bool no_data = observed_min == kNoDataMin && observed_max == kNoDataMax;
  if (!no_data) {
    if (absl::Status s = CheckFloatRange(observed_min, observed_max); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckOrdered(observed_min, observed_max); !s.ok()) {
      return s;
    }
  }
  const Range g =
      GateLibpymoRange(observed_min, observed_max, kLibpymoMinRange);
  return ComputeLibpymoEncoding(g.min, g.max, options);
}

absl::StatusOr<Encoding> LibpymoKernelEncoding(double min, double max,
                                               int bitwidth) {
  if (absl::Status s = ValidateBitwidth(bitwidth); !s.ok()) return s;
  if (absl::Status s = CheckKernelRange(min, max); !s.ok()) return s;
  const Range g = GateLibpymoRange(min, max, kLibpymoKernelEpsilon);
  const bool strict = g.min == -g.max;
  if (IsPassThrough(bitwidth)) return PassThrough(g.min, g.max, strict, strict);
  const double n = static_cast<double>(NumSteps(bitwidth, strict));
  return KernelDerive(g, n, bitwidth, strict);
}

absl::StatusOr<PerChannelEncoding> LibpymoKernelEncodings(
    const std::vector<double>& mins, const std::vector<double>& maxs,
    int bitwidth) {
  if (absl::Status s = ValidateBitwidth(bitwidth); !s.ok()) return s;
  if (mins.size() != maxs.size() || mins.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("per-channel mins (", mins.size(), ") and maxs (",
                     maxs.size(), ") must have the same non-zero size"));
  }
  for (size_t c = 0; c < mins.size(); ++c) {
    if (absl::Status s = CheckKernelRange(mins[c], maxs[c]); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel ", c, ": ", s.message()));
    }
  }
  const Range g0 = GateLibpymoRange(mins[0], maxs[0], kLibpymoKernelEpsilon);
  const bool strict = g0.min == -g0.max;
  const double n = static_cast<double>(NumSteps(bitwidth, strict));
  PerChannelEncoding out;
  out.reserve(mins.size());
  for (size_t c = 0; c < mins.size(); ++c) {
    const Range g = GateLibpymoRange(mins[c], maxs[c], kLibpymoKernelEpsilon);
    out.push_back(IsPassThrough(bitwidth)
                      ? PassThrough(g.min, g.max, strict, strict)
                      : KernelDerive(g, n, bitwidth, strict));
  }
  return out;
}

kernels::QdqParam ToLibpymoKernelParam(const Encoding& e) {
  kernels::QdqParam p;
  p.scale = static_cast<float>(e.scale);
  // libpymo computes x / Δ - o and Δ * (q + o); with z = -o these are the
  // reference's x / s + z and (q - z) * s, bit for bit (a - b == a + (-b)).
  p.zero_point = -static_cast<float>(e.offset);
  p.clip_lo = static_cast<float>(e.min);
  p.clip_hi = static_cast<float>(e.max);
  return p;
}

std::vector<kernels::QdqParam> ToLibpymoKernelParams(
    const PerChannelEncoding& encodings) {
  std::vector<kernels::QdqParam> out;
  out.reserve(encodings.size());
  for (const Encoding& e : encodings) out.push_back(ToLibpymoKernelParam(e));
  return out;
}

kernels::QdqConfig LibpymoKernelConfig(const Encoding& e) {
  kernels::QdqConfig c;
  c.qmin = 0.0f;
  c.qmax = static_cast<float>(NumSteps(e));
  c.rounding = kernels::RoundingMode::kHalfAwayFromZero;
  return c;
}

}  // namespace quantsim::quant
