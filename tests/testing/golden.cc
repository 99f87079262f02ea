#include "tests/testing/golden.h"

#include <cstring>

#include "engine/file.h"
#include "engine/npy.h"

namespace quantsim::testing {

bool ReadF32Npy(const std::string& path, F32Array* out, std::string* error) {
  absl::StatusOr<engine::Tensor> t = engine::ReadNpy(path);
  if (t.ok() && t->dtype() != engine::DType::kF32) {
    t = absl::InvalidArgumentError(path + " is not float32");
  }
  if (!t.ok()) {
    if (error != nullptr) *error = std::string(t.status().message());
    return false;
  }
  out->shape = t->shape().dims();
  out->data.resize(t->numel());
  std::memcpy(out->data.data(), t->raw_data(), t->nbytes());
  return true;
}

bool ReadJsonFullPrecision(const std::string& path, rapidjson::Document* doc) {
  absl::StatusOr<std::string> text = engine::ReadFile(path);
  if (!text.ok()) return false;
  doc->Parse<rapidjson::kParseFullPrecisionFlag>(text->c_str());
  return !doc->HasParseError();
}

}  // namespace quantsim::testing
