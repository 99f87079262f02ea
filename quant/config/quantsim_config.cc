// Config files and the embedded shipped configs (quantsim_config.h).
#include "quant/config/quantsim_config.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "engine/status.h"
#include "quant/config/builtin_configs_data.h"

namespace quantsim::quant {

namespace {
constexpr char kDefaultConfig[] = "default_config.json";
}  // namespace

absl::StatusOr<QuantSimConfig> ReadQuantSimConfigFile(const std::string& path) {
  QS_ASSIGN_OR_RETURN(std::string text, engine::ReadFile(path));
  return ParseQuantSimConfig(text, path);
}

std::vector<std::string> BuiltinQuantSimConfigNames() {
  std::vector<std::string> names;
  for (int i = 0; i < kNumBuiltinConfigFiles; ++i) {
    names.push_back(kBuiltinConfigFiles[i].name);
  }
  return names;
}

absl::StatusOr<std::string> BuiltinQuantSimConfigText(absl::string_view name) {
  for (int i = 0; i < kNumBuiltinConfigFiles; ++i) {
    if (name == kBuiltinConfigFiles[i].name) return kBuiltinConfigFiles[i].text;
  }
  return absl::NotFoundError(
      absl::StrCat("no builtin quantsim config named '", name, "'"));
}

absl::StatusOr<QuantSimConfig> BuiltinQuantSimConfig(absl::string_view name) {
  QS_ASSIGN_OR_RETURN(std::string text, BuiltinQuantSimConfigText(name));
  return ParseQuantSimConfig(text, absl::StrCat("<builtin>/", name));
}

absl::StatusOr<QuantSimConfig> LoadQuantSimConfig(
    const std::string& config_file) {
  if (config_file.empty()) return BuiltinQuantSimConfig(kDefaultConfig);
  return ReadQuantSimConfigFile(config_file);
}

}  // namespace quantsim::quant
