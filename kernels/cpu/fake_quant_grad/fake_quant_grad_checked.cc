#include "kernels/cpu/fake_quant_grad/fake_quant_grad_checked.h"

#include <math.h>

#include "absl/strings/str_format.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "kernels/cpu/fake_quant_grad/ste_backward.h"

namespace quantsim::kernels {
namespace {

absl::Status SizeError(const char* fn, const char* what, size_t got,
                       int64_t want) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: %s has %d elements, expected %d", fn, what, got, want));
}

}  // namespace

absl::StatusOr<QdqLayout> RangeGradLayout(absl::Span<const int64_t> shape,
                                          std::optional<int> axis) {
  const int rank = static_cast<int>(shape.size());
  for (int d = 0; d < rank; ++d) {
    if (shape[d] < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "RangeGradLayout: dim %d of the shape is negative (%d)", d,
          shape[d]));
    }
  }
  int64_t n = 1;
  for (int64_t v : shape) n *= v;
  if (!axis.has_value()) return PerTensorLayout(n);
  int ax = *axis;
  if (ax < -rank || ax >= rank) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "RangeGradLayout: axis %d is out of range for a rank-%d tensor", ax,
        rank));
  }
  if (ax < 0) ax += rank;
  QdqLayout l;
  for (int d = 0; d < ax; ++d) l.outer *= shape[d];
  l.axis = shape[ax];
  for (int d = ax + 1; d < rank; ++d) l.inner *= shape[d];
  return l;
}

absl::Status ValidateRangeGradConfig(const RangeGradConfig& c) {
  if (c.bitwidth < 2 || c.bitwidth > 32) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "range-learning backward: bitwidth %d is outside 2..32", c.bitwidth));
  }
  if (c.rounding != RoundingMode::kHalfToEven &&
      c.rounding != RoundingMode::kHalfAwayFromZero) {
    return absl::InvalidArgumentError(
        "range-learning backward: rounding must be half-to-even or "
        "half-away-from-zero");
  }
  if (c.strict_symmetric &&
      (c.formula != RangeGradFormula::kAimetV1 || !c.symmetric)) {
    return absl::InvalidArgumentError(
        "range-learning backward: strict_symmetric needs the AIMET v1 "
        "formula with symmetric = true (v2 has no strict mode)");
  }
  return absl::OkStatus();
}

absl::Status ValidateEncodingRanges(absl::Span<const float> enc_min,
                                    absl::Span<const float> enc_max,
                                    const RangeGradConfig& c) {
  if (enc_min.size() != enc_max.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "range-learning backward: %d min values but %d max values",
        enc_min.size(), enc_max.size()));
  }
  const bool v1_sym = c.formula == RangeGradFormula::kAimetV1 && c.symmetric;
  for (size_t a = 0; a < enc_min.size(); ++a) {
    const float mn = enc_min[a], mx = enc_max[a];
    if (!isfinite(mn) || !isfinite(mx) || !(mn < mx)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "range-learning backward: channel %d: need finite min < max, got "
          "min = %g, max = %g",
          a, mn, mx));
    }
    if (v1_sym && !(mx > 0.0f)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "range-learning backward: channel %d: v1 symmetric needs max > 0, "
          "got %g",
          a, mx));
    }
    const RangeGradGrid g = MakeRangeGradGrid(mn, mx, c);
    if (!isfinite(g.scale) || !(g.scale > 0.0f)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "range-learning backward: channel %d: scale %g from min = %g, "
          "max = %g is not a positive finite float",
          a, g.scale, mn, mx));
    }
  }
  return absl::OkStatus();
}

absl::Status RangeLearnBackwardChecked(
    absl::Span<const float> x, absl::Span<const float> dy,
    absl::Span<const int64_t> shape, std::optional<int> axis,
    absl::Span<const float> enc_min, absl::Span<const float> enc_max,
    const RangeGradConfig& config, absl::Span<float> dx, absl::Span<float> dmin,
    absl::Span<float> dmax, absl::Span<float> x_hat, engine::ThreadPool* pool,
    engine::Isa isa) {
  constexpr const char* kFn = "RangeLearnBackward";
  absl::StatusOr<QdqLayout> layout = RangeGradLayout(shape, axis);
  if (!layout.ok()) return layout.status();
  const int64_t n = layout->NumElements();
  const int64_t channels = layout->axis;
  if (static_cast<int64_t>(x.size()) != n)
    return SizeError(kFn, "x", x.size(), n);
  if (static_cast<int64_t>(dy.size()) != n) {
    return SizeError(kFn, "dy", dy.size(), n);
  }
  if (!dx.empty() && static_cast<int64_t>(dx.size()) != n) {
    return SizeError(kFn, "dx", dx.size(), n);
  }
  if (!x_hat.empty() && static_cast<int64_t>(x_hat.size()) != n) {
    return SizeError(kFn, "x_hat", x_hat.size(), n);
  }
  if (static_cast<int64_t>(enc_min.size()) != channels) {
    return SizeError(kFn, "min", enc_min.size(), channels);
  }
  if (static_cast<int64_t>(enc_max.size()) != channels) {
    return SizeError(kFn, "max", enc_max.size(), channels);
  }
  if (static_cast<int64_t>(dmin.size()) != channels) {
    return SizeError(kFn, "dmin", dmin.size(), channels);
  }
  if (static_cast<int64_t>(dmax.size()) != channels) {
    return SizeError(kFn, "dmax", dmax.size(), channels);
  }
  if (absl::Status s = ValidateRangeGradConfig(config); !s.ok()) return s;
  if (absl::Status s = ValidateEncodingRanges(enc_min, enc_max, config);
      !s.ok()) {
    return s;
  }
  RangeLearnBackward(x.data(), dy.data(), *layout, enc_min.data(),
                     enc_max.data(), config, dx.empty() ? nullptr : dx.data(),
                     dmin.data(), dmax.data(),
                     x_hat.empty() ? nullptr : x_hat.data(), pool, isa);
  return absl::OkStatus();
}

absl::Status QdqSteBackwardChecked(absl::Span<const float> dy,
                                   absl::Span<const uint8_t> mask,
                                   absl::Span<float> dx,
                                   engine::ThreadPool* pool, engine::Isa isa) {
  constexpr const char* kFn = "QdqSteBackward";
  const int64_t n = static_cast<int64_t>(dy.size());
  if (static_cast<int64_t>(mask.size()) != n) {
    return SizeError(kFn, "mask", mask.size(), n);
  }
  if (static_cast<int64_t>(dx.size()) != n) {
    return SizeError(kFn, "dx", dx.size(), n);
  }
  QdqSteBackward(dy.data(), mask.data(), dx.data(), n, pool, isa);
  return absl::OkStatus();
}

absl::Status QdqSteBackwardRecomputeChecked(
    absl::Span<const float> x, absl::Span<const float> dy, absl::Span<float> dx,
    const QdqLayout& layout, absl::Span<const QdqParam> params,
    const QdqConfig& config, engine::ThreadPool* pool, engine::Isa isa) {
  constexpr const char* kFn = "QdqSteBackwardRecompute";
  if (layout.outer < 0 || layout.axis < 0 || layout.inner < 0 ||
      layout.block < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: bad layout outer=%d axis=%d inner=%d block=%d", kFn, layout.outer,
        layout.axis, layout.inner, layout.block));
  }
  const int64_t n = layout.NumElements();
  if (static_cast<int64_t>(x.size()) != n)
    return SizeError(kFn, "x", x.size(), n);
  if (static_cast<int64_t>(dy.size()) != n) {
    return SizeError(kFn, "dy", dy.size(), n);
  }
  if (static_cast<int64_t>(dx.size()) != n) {
    return SizeError(kFn, "dx", dx.size(), n);
  }
  if (static_cast<int64_t>(params.size()) != layout.NumParams()) {
    return SizeError(kFn, "params", params.size(), layout.NumParams());
  }
  if (!(config.qmin <= config.qmax)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: qmin %g > qmax %g", kFn, config.qmin, config.qmax));
  }
  for (size_t p = 0; p < params.size(); ++p) {
    if (!isfinite(params[p].scale) || !(params[p].scale > 0.0f)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: channel %d: scale %g is not a positive finite float", kFn, p,
          params[p].scale));
    }
  }
  QdqSteBackwardRecompute(x.data(), dy.data(), dx.data(), layout, params.data(),
                          config, pool, isa);
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
