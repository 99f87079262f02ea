#include "conformance/compare.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace quantsim::conformance {
namespace {

using engine::DType;

// Element i of a contiguous tensor as double (bool/int exact up to 2^53; the
// integer comparison below uses int64 instead).
double AsDouble(const engine::Tensor& t, int64_t i) {
  const void* p = t.raw_data();
  switch (t.dtype()) {
    case DType::kF32:
      return static_cast<const float*>(p)[i];
    case DType::kF64:
      return static_cast<const double*>(p)[i];
    case DType::kF16:
      return HalfToFloat(static_cast<const uint16_t*>(p)[i]);
    case DType::kBF16:
      return BFloat16ToFloat(static_cast<const uint16_t*>(p)[i]);
    default:
      return 0.0;
  }
}

int64_t AsInt(const engine::Tensor& t, int64_t i) {
  const void* p = t.raw_data();
  switch (t.dtype()) {
    case DType::kI8:
      return static_cast<const int8_t*>(p)[i];
    case DType::kU8:
      return static_cast<const uint8_t*>(p)[i];
    case DType::kI16:
      return static_cast<const int16_t*>(p)[i];
    case DType::kU16:
      return static_cast<const uint16_t*>(p)[i];
    case DType::kI32:
      return static_cast<const int32_t*>(p)[i];
    case DType::kU32:
      return static_cast<const uint32_t*>(p)[i];
    case DType::kI64:
      return static_cast<const int64_t*>(p)[i];
    case DType::kBool:
      return static_cast<const uint8_t*>(p)[i] != 0;
    default:
      return 0;
  }
}

bool Close(double e, double a, const Tolerance& tol) {
  if (std::isnan(e) || std::isnan(a)) return std::isnan(e) && std::isnan(a);
  if (std::isinf(e) || std::isinf(a)) return e == a;
  return std::fabs(a - e) <= tol.atol + tol.rtol * std::fabs(e);
}

}  // namespace

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits |= sign;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  uint32_t bits = exp == 0x1f ? sign | 0x7f800000u | (mant << 13)
                              : sign | ((exp + 112) << 23) | (mant << 13);
  std::memcpy(&f, &bits, 4);
  return f;
}

float BFloat16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::string CompareTensors(const engine::Tensor& expected,
                           const engine::Tensor& actual,
                           const Tolerance& tolerance) {
  if (expected.dtype() != actual.dtype()) {
    return absl::StrCat("dtype ", engine::DTypeName(actual.dtype()),
                        ", expected ", engine::DTypeName(expected.dtype()));
  }
  if (expected.shape().dims() != actual.shape().dims()) {
    return absl::StrCat("shape ", actual.shape().ToString(), ", expected ",
                        expected.shape().ToString());
  }
  absl::StatusOr<engine::Tensor> e = expected.Contiguous();
  absl::StatusOr<engine::Tensor> a = actual.Contiguous();
  if (!e.ok() || !a.ok()) {
    return absl::StrCat("cannot read the tensors: ",
                        (!e.ok() ? e.status() : a.status()).message());
  }
  const bool is_float = engine::DTypeInfo(expected.dtype()).is_float;
  const int64_t n = expected.numel();
  int64_t bad = 0;
  int64_t first = -1;
  std::string first_values;
  for (int64_t i = 0; i < n; ++i) {
    bool ok;
    std::string values;
    if (is_float) {
      const double ev = AsDouble(*e, i), av = AsDouble(*a, i);
      ok = Close(ev, av, tolerance);
      if (!ok && first < 0) {
        values = absl::StrCat(av, " vs expected ", ev);
      }
    } else {
      const int64_t ev = AsInt(*e, i), av = AsInt(*a, i);
      ok = ev == av;
      if (!ok && first < 0) {
        values = absl::StrCat(av, " vs expected ", ev);
      }
    }
    if (!ok) {
      if (first < 0) {
        first = i;
        first_values = std::move(values);
      }
      ++bad;
    }
  }
  if (bad == 0) return "";
  std::string msg = absl::StrCat(bad, " of ", n, " elements differ; first at [",
                                 first, "]: ", first_values);
  if (is_float) {
    absl::StrAppend(&msg, " (rtol ", tolerance.rtol, ", atol ", tolerance.atol,
                    ")");
  }
  return msg;
}

}  // namespace quantsim::conformance
