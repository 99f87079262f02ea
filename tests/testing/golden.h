// Test helpers for golden files: f32 .npy arrays (read with engine::ReadNpy,
// so tests exercise the real reader) and JSON parsed at full double
// precision (RapidJSON's default number parsing can be an ulp off, which
// breaks bit-exact comparisons with AIMET's printed doubles).
#ifndef QUANTSIM_TESTS_TESTING_GOLDEN_H_
#define QUANTSIM_TESTS_TESTING_GOLDEN_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

namespace quantsim::testing {

struct F32Array {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Returns false (with the reason in *error) unless `path` is an f32 .npy.
bool ReadF32Npy(const std::string& path, F32Array* out,
                std::string* error = nullptr);

// Returns false when the file is missing or not valid JSON.
bool ReadJsonFullPrecision(const std::string& path, rapidjson::Document* doc);

}  // namespace quantsim::testing

#endif  // QUANTSIM_TESTS_TESTING_GOLDEN_H_
