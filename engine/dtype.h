// quantsim engine: element types and their traits.
//
// Contract: DType enumerates the element types tensors hold. DTypeInfo(d)
// returns a constexpr traits record (name, byte size, float/int/signed,
// .npy descr). CppType<D> / DTypeOf<T> map between DType values and C++
// types (f16 and bf16 are stored as raw 16-bit patterns: Float16/BFloat16).
#ifndef QUANTSIM_ENGINE_DTYPE_H_
#define QUANTSIM_ENGINE_DTYPE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::engine {

enum class DType : uint8_t {
  kF32 = 0,
  kF16,
  kBF16,
  kF64,
  kI8,
  kU8,
  kI16,
  kU16,
  kI32,
  kU32,
  kI64,
  kBool,
};
inline constexpr int kNumDTypes = 12;

// 16-bit float bit patterns (conversion kernels live in kernels/).
struct Float16 {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

struct DTypeTraits {
  DType dtype;
  const char* name;       // "f32", "bf16", ...
  size_t size;            // bytes per element
  bool is_float;          // f16, bf16, f32, f64
  bool is_signed;         // floats and signed integers
  bool is_integer;        // integer types (not bool)
  const char* npy_descr;  // little-endian numpy descr, e.g. "<f4"
};

inline constexpr DTypeTraits kDTypeTable[kNumDTypes] = {
    {DType::kF32, "f32", 4, true, true, false, "<f4"},
    {DType::kF16, "f16", 2, true, true, false, "<f2"},
    // numpy has no bfloat16; ml_dtypes arrays are saved as 2-byte voids.
    {DType::kBF16, "bf16", 2, true, true, false, "<V2"},
    {DType::kF64, "f64", 8, true, true, false, "<f8"},
    {DType::kI8, "i8", 1, false, true, true, "|i1"},
    {DType::kU8, "u8", 1, false, false, true, "|u1"},
    {DType::kI16, "i16", 2, false, true, true, "<i2"},
    {DType::kU16, "u16", 2, false, false, true, "<u2"},
    {DType::kI32, "i32", 4, false, true, true, "<i4"},
    {DType::kU32, "u32", 4, false, false, true, "<u4"},
    {DType::kI64, "i64", 8, false, true, true, "<i8"},
    {DType::kBool, "bool", 1, false, false, false, "|b1"},
};

constexpr const DTypeTraits& DTypeInfo(DType d) {
  return kDTypeTable[static_cast<int>(d)];
}
constexpr size_t DTypeSize(DType d) { return DTypeInfo(d).size; }
constexpr const char* DTypeName(DType d) { return DTypeInfo(d).name; }

// "f32" -> kF32 (also accepts "float32", "float", "int8", ...).
absl::StatusOr<DType> ParseDType(absl::string_view name);

template <DType D>
struct CppTypeOf;
#define QS_DTYPE_CPP(D, T) \
  template <>              \
  struct CppTypeOf<D> {    \
    using type = T;        \
  };
QS_DTYPE_CPP(DType::kF32, float)
QS_DTYPE_CPP(DType::kF16, Float16)
QS_DTYPE_CPP(DType::kBF16, BFloat16)
QS_DTYPE_CPP(DType::kF64, double)
QS_DTYPE_CPP(DType::kI8, int8_t)
QS_DTYPE_CPP(DType::kU8, uint8_t)
QS_DTYPE_CPP(DType::kI16, int16_t)
QS_DTYPE_CPP(DType::kU16, uint16_t)
QS_DTYPE_CPP(DType::kI32, int32_t)
QS_DTYPE_CPP(DType::kU32, uint32_t)
QS_DTYPE_CPP(DType::kI64, int64_t)
QS_DTYPE_CPP(DType::kBool, bool)
#undef QS_DTYPE_CPP
template <DType D>
using CppType = typename CppTypeOf<D>::type;

template <typename T>
constexpr DType DTypeOf();
#define QS_CPP_DTYPE(T, D)       \
  template <>                    \
  constexpr DType DTypeOf<T>() { \
    return D;                    \
  }
QS_CPP_DTYPE(float, DType::kF32)
QS_CPP_DTYPE(Float16, DType::kF16)
QS_CPP_DTYPE(BFloat16, DType::kBF16)
QS_CPP_DTYPE(double, DType::kF64)
QS_CPP_DTYPE(int8_t, DType::kI8)
QS_CPP_DTYPE(uint8_t, DType::kU8)
QS_CPP_DTYPE(int16_t, DType::kI16)
QS_CPP_DTYPE(uint16_t, DType::kU16)
QS_CPP_DTYPE(int32_t, DType::kI32)
QS_CPP_DTYPE(uint32_t, DType::kU32)
QS_CPP_DTYPE(int64_t, DType::kI64)
QS_CPP_DTYPE(bool, DType::kBool)
#undef QS_CPP_DTYPE

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_DTYPE_H_
