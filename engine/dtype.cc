#include "engine/dtype.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace quantsim::engine {

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  for (const DTypeTraits& t : kDTypeTable) {
    if (n == t.name) return t.dtype;
  }
  struct Alias {
    const char* name;
    DType dtype;
  };
  static constexpr Alias kAliases[] = {
      {"float32", DType::kF32},   {"float", DType::kF32},
      {"float16", DType::kF16},   {"half", DType::kF16},
      {"bfloat16", DType::kBF16}, {"float64", DType::kF64},
      {"double", DType::kF64},    {"int8", DType::kI8},
      {"uint8", DType::kU8},      {"int16", DType::kI16},
      {"uint16", DType::kU16},    {"int32", DType::kI32},
      {"uint32", DType::kU32},    {"int64", DType::kI64},
  };
  for (const Alias& a : kAliases) {
    if (n == a.name) return a.dtype;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dtype '", name,
                   "' (f32 f16 bf16 f64 i8 u8 i16 u16 i32 u32 i64 bool)"));
}

}  // namespace quantsim::engine
