#include "quant/encoding.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace quantsim::quant {

absl::Status ValidateBitwidth(int bitwidth) {
  if (bitwidth < kMinBitwidth || bitwidth > kMaxBitwidth) {
    return absl::InvalidArgumentError(absl::StrCat("bitwidth ", bitwidth,
                                                   " is outside ", kMinBitwidth,
                                                   "...", kMaxBitwidth));
  }
  return absl::OkStatus();
}

absl::Status ValidateGridOptions(const GridOptions& options) {
  // strict/unsigned flags without `symmetric` are accepted and ignored, as
  // libpymo does (AIMET's golden data has such records).
  return ValidateBitwidth(options.bitwidth);
}

int64_t NumSteps(int bitwidth, bool strict_symmetric) {
  const int64_t n = (int64_t{1} << bitwidth) - 1;
  return strict_symmetric ? n - 1 : n;
}

IntegerRange UnsignedIntegerRange(int bitwidth) {
  return {0, (int64_t{1} << bitwidth) - 1};
}

IntegerRange SignedIntegerRange(int bitwidth) {
  const int64_t half = int64_t{1} << (bitwidth - 1);
  return {-half, half - 1};
}

absl::Status ValidateEncoding(const Encoding& e) {
  if (absl::Status s = ValidateBitwidth(e.bitwidth); !s.ok()) return s;
  if (e.pass_through) {
    if (!IsPassThrough(e.bitwidth)) {
      return absl::InvalidArgumentError(
          absl::StrCat("pass-through encoding must have bitwidth ",
                       kPassThroughBitwidth, ", got ", e.bitwidth));
    }
    return absl::OkStatus();
  }
  if (std::isnan(e.min) || std::isnan(e.max)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoding min/max is NaN (min ", e.min, ", max ", e.max, ")"));
  }
  if (!std::isfinite(e.min) || !std::isfinite(e.max)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoding min/max is infinite (min ", e.min, ", max ", e.max, ")"));
  }
  if (e.min > e.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("encoding min ", e.min, " is greater than max ", e.max));
  }
  if (!(e.scale > 0.0) || !std::isfinite(e.scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat("encoding scale must be finite and > 0, got ", e.scale));
  }
  const double n = static_cast<double>(NumSteps(e));
  if (!(e.offset == std::round(e.offset)) || e.offset > 0.0 || e.offset < -n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoding offset must be an integer in [", -n, ", 0], got ", e.offset));
  }
  return absl::OkStatus();
}

absl::StatusOr<OnnxQuantParams> ToOnnxQuantParams(const Encoding& e) {
  if (e.pass_through) {
    return absl::InvalidArgumentError(
        "pass-through (bitwidth 32) encoding has no ONNX integer grid");
  }
  if (absl::Status s = ValidateEncoding(e); !s.ok()) return s;
  if (e.symmetric && e.strict_symmetric && e.offset < 0.0) {
    return absl::InvalidArgumentError(
        "strict symmetric encoding has no ONNX QuantizeLinear equivalent "
        "(grid [-(2^(b-1)-1), 2^(b-1)-1])");
  }
  OnnxQuantParams p;
  p.scale = e.scale;
  p.bitwidth = e.bitwidth;
  const int64_t offset = static_cast<int64_t>(e.offset);
  if (UsesSignedGrid(e)) {
    const IntegerRange r = SignedIntegerRange(e.bitwidth);
    if (offset != r.qmin) {
      return absl::InvalidArgumentError(
          absl::StrCat("symmetric encoding offset ", offset, " is not ", r.qmin,
                       " (-2^(bitwidth-1))"));
    }
    p.is_signed = true;
    p.zero_point = 0;
  } else {
    p.is_signed = false;
    p.zero_point = UnsignedZeroPointFromOffset(offset);
  }
  return p;
}

absl::StatusOr<Encoding> FromOnnxQuantParams(const OnnxQuantParams& p) {
  if (absl::Status s = ValidateBitwidth(p.bitwidth); !s.ok()) return s;
  if (IsPassThrough(p.bitwidth)) {
    return absl::InvalidArgumentError(
        "bitwidth 32 is pass-through: no integer encoding");
  }
  if (!(p.scale > 0.0) || !std::isfinite(p.scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scale must be finite and > 0, got ", p.scale));
  }
  const IntegerRange r = IntegerRangeFor(p.bitwidth, p.is_signed);
  if (p.zero_point < r.qmin || p.zero_point > r.qmax) {
    return absl::InvalidArgumentError(
        absl::StrCat("zero_point ", p.zero_point, " is outside [", r.qmin, ", ",
                     r.qmax, "] of a ", p.is_signed ? "signed" : "unsigned",
                     " ", p.bitwidth, "-bit container"));
  }
  Encoding e;
  e.bitwidth = p.bitwidth;
  e.scale = p.scale;
  e.offset = static_cast<double>(r.qmin - p.zero_point);
  e.symmetric = p.is_signed && p.zero_point == 0;
  e.min = e.offset * e.scale;
  e.max = (e.offset + static_cast<double>(NumSteps(p.bitwidth))) * e.scale;
  return e;
}

}  // namespace quantsim::quant
