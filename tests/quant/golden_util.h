// Helpers shared by the libpymo golden tests of tests/quant: paths into
// tests/data/libpymo_enc (runfiles), full-precision JSON and float32 .npy
// loading, and the bit patterns of floats / doubles for exact comparisons.
#ifndef QUANTSIM_TESTS_QUANT_GOLDEN_UTIL_H_
#define QUANTSIM_TESTS_QUANT_GOLDEN_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/testing/golden.h"

namespace quantsim::quant {

// Runfiles path of tests/data/libpymo_enc/<name>.
inline std::string DataPath(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir ? std::string(srcdir) + "/" +
                                  (workspace ? workspace : "quantsim") + "/"
                            : "";
  return base + "tests/data/libpymo_enc/" + name;
}

// Full precision: the files print doubles with 17 digits and we compare bits.
inline bool LoadJson(const std::string& name, rapidjson::Document* doc) {
  return ::quantsim::testing::ReadJsonFullPrecision(DataPath(name), doc);
}

inline ::quantsim::testing::F32Array LoadNpy(const std::string& name) {
  ::quantsim::testing::F32Array a;
  std::string error;
  EXPECT_TRUE(::quantsim::testing::ReadF32Npy(DataPath(name), &a, &error))
      << error;
  return a;
}

inline uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof(u));
  return u;
}
inline uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

}  // namespace quantsim::quant

#endif  // QUANTSIM_TESTS_QUANT_GOLDEN_UTIL_H_
