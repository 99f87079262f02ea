// quantsim quant: the encoding record, integer grids and ONNX zero points.
//
// Contract (spec §1.1, §1.2, §5.2, §10 notes 6):
//  * An `Encoding` is libpymo's `TfEncoding`: doubles (min, max, scale = delta,
//    offset) plus the bitwidth and the quantizer's symmetry flags. `offset` is
//    AIMET's legacy offset: integer-valued, <= 0, with min = offset * scale on
//    a grid-aligned encoding; the unsigned integer grid is 0 ... N where
//    N = 2^b - 1 (2^b - 2 for strict symmetric).
//  * Bitwidths are 2 ... 32; 32 means "pass-through": no integer grid, the
//    quantizer leaves values unchanged (`pass_through` is set, numbers unused).
//  * A per-channel encoding is one Encoding per channel, in channel order.
//  * ONNX QuantizeLinear uses zero_point = -offset on unsigned containers;
//    signed symmetric grids export as a signed container with zero_point 0
//    (legacy offset = signed qmin - zero_point, so -128 at 8 bits).
// How (scale, offset) are derived from (min, max) lives in
// libpymo_encoding.h (AIMET v1 / aimet-onnx rules) and v2_encoding.h
// (aimet_torch.v2 rules). Validation returns InvalidArgument naming the
// problem; nothing here aborts.
#ifndef QUANTSIM_QUANT_ENCODING_H_
#define QUANTSIM_QUANT_ENCODING_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace quantsim::quant {

inline constexpr int kMinBitwidth = 2;
inline constexpr int kMaxBitwidth = 32;
inline constexpr int kPassThroughBitwidth = 32;

// The quantizer settings that shape an integer grid (libpymo flags).
struct GridOptions {
  int bitwidth = 8;
  bool symmetric = false;
  // Symmetric with N = 2^b - 2, grid [-(2^(b-1) - 1), 2^(b-1) - 1] * delta.
  bool strict_symmetric = false;
  // Symmetric grid [0, N * delta] when the observed min is >= 0.
  bool unsigned_symmetric = false;
};

struct Encoding {
  double min = 0.0;
  double max = 0.0;
  double scale = 0.0;   // libpymo "delta"; > 0 on a valid encoding
  double offset = 0.0;  // legacy AIMET offset: integer-valued, <= 0
  int bitwidth = 8;
  bool symmetric = false;
  bool strict_symmetric = false;  // N = 2^b - 2 (only with symmetric)
  bool pass_through = false;      // bitwidth 32: no quantization
};

using PerChannelEncoding = std::vector<Encoding>;

// An inclusive integer range [qmin, qmax].
struct IntegerRange {
  int64_t qmin = 0;
  int64_t qmax = 0;
};

inline bool IsPassThrough(int bitwidth) {
  return bitwidth == kPassThroughBitwidth;
}

// OK for 2 <= bitwidth <= 32, else InvalidArgument naming the value.
absl::Status ValidateBitwidth(int bitwidth);

// Bitwidth check. strict/unsigned symmetric without `symmetric` are ignored
// (as libpymo does), not errors.
absl::Status ValidateGridOptions(const GridOptions& options);

// Checks a stored or loaded encoding: bitwidth, finite non-NaN min <= max,
// finite scale > 0, integer offset in [-N, 0]. Pass-through encodings only
// need bitwidth 32.
absl::Status ValidateEncoding(const Encoding& encoding);

// N: the number of steps of the unsigned grid, 2^b - 1, or 2^b - 2 when
// strict symmetric. bitwidth must be valid (2 ... 32).
int64_t NumSteps(int bitwidth, bool strict_symmetric = false);
inline int64_t NumSteps(const Encoding& e) {
  return NumSteps(e.bitwidth, e.symmetric && e.strict_symmetric);
}

// [0, 2^b - 1] (unsigned) or [-2^(b-1), 2^(b-1) - 1] (signed, two's
// complement).
IntegerRange UnsignedIntegerRange(int bitwidth);
IntegerRange SignedIntegerRange(int bitwidth);
inline IntegerRange IntegerRangeFor(int bitwidth, bool is_signed) {
  return is_signed ? SignedIntegerRange(bitwidth)
                   : UnsignedIntegerRange(bitwidth);
}

// True when the encoding sits on a signed symmetric grid, i.e. libpymo took
// its signed-symmetric branch: symmetric with a negative offset
// (-ceil(N/2)). Unsigned symmetric encodings (min >= 0) have offset 0.
inline bool UsesSignedGrid(const Encoding& e) {
  return e.symmetric && e.offset < 0.0;
}

// ONNX QuantizeLinear / DequantizeLinear parameters of an integer encoding.
struct OnnxQuantParams {
  double scale = 0.0;
  int64_t zero_point = 0;
  int bitwidth = 8;
  bool is_signed = false;  // int8/int16... container, else uint8/uint16...
};

// Signed symmetric (non-strict) -> signed container, zero_point 0; any other
// grid -> unsigned container, zero_point = -offset. Strict symmetric has no
// ONNX equivalent (its grid is [-(2^(b-1)-1), 2^(b-1)-1] with zero at 0):
// InvalidArgument, as AIMET's embedded export rejects it. Pass-through:
// InvalidArgument (it has no integer grid). Validates the encoding first.
absl::StatusOr<OnnxQuantParams> ToOnnxQuantParams(const Encoding& encoding);

// The inverse: legacy offset = qmin - zero_point, min = offset * scale,
// max = (offset + 2^b - 1) * scale; symmetric when signed with zero point 0.
// InvalidArgument for a bad bitwidth, a non-positive or non-finite scale or
// a zero point outside the container's range.
absl::StatusOr<Encoding> FromOnnxQuantParams(const OnnxQuantParams& params);

// Scalar offset conversions (offsets and zero points are integers).
inline int64_t UnsignedZeroPointFromOffset(int64_t offset) { return -offset; }
inline int64_t OffsetFromUnsignedZeroPoint(int64_t zero_point) {
  return -zero_point;
}
// aimet_torch.v2: legacy offset = offset_v2 + qmin (spec §1.2).
inline int64_t LegacyOffsetFromV2(int64_t offset_v2, int64_t qmin) {
  return offset_v2 + qmin;
}

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_ENCODING_H_
