#include "quant/quantsim_options.h"

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace quantsim::quant {
namespace {

struct SchemeName {
  const char* name;
  QuantScheme scheme;
};

// The first entry for a scheme is its canonical name (AIMET's enum name).
constexpr SchemeName kSchemeNames[] = {
    {"post_training_tf", QuantScheme::kPostTrainingTf},
    {"tf", QuantScheme::kPostTrainingTf},
    {"min_max", QuantScheme::kPostTrainingTf},
    {"post_training_tf_enhanced", QuantScheme::kPostTrainingTfEnhanced},
    {"tf_enhanced", QuantScheme::kPostTrainingTfEnhanced},
    {"post_training_percentile", QuantScheme::kPostTrainingPercentile},
    {"percentile", QuantScheme::kPostTrainingPercentile},
    {"training_range_learning_with_tf_init",
     QuantScheme::kTrainingRangeLearningWithTfInit},
    {"training_range_learning_with_tf_enhanced_init",
     QuantScheme::kTrainingRangeLearningWithTfEnhancedInit},
    {"sqnr", QuantScheme::kSqnr},
    {"mse", QuantScheme::kMse},
    {"entropy", QuantScheme::kEntropy},
};

}  // namespace

absl::StatusOr<QuantScheme> ParseQuantScheme(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (const SchemeName& s : kSchemeNames) {
    if (lower == s.name) return s.scheme;
  }
  std::string known;
  for (const SchemeName& s : kSchemeNames) {
    absl::StrAppend(&known, known.empty() ? "" : ", ", s.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown quant scheme '", name, "' (known: ", known, ")"));
}

const char* QuantSchemeName(QuantScheme scheme) {
  for (const SchemeName& s : kSchemeNames) {
    if (s.scheme == scheme) return s.name;
  }
  return "unknown";
}

absl::Status ValidateQuantSimOptions(const QuantSimOptions& options) {
  if (QuantSchemeName(options.quant_scheme) == std::string("unknown")) {
    return absl::InvalidArgumentError(
        absl::StrCat("quant_scheme: invalid enum value ",
                     static_cast<int>(options.quant_scheme)));
  }
  if (options.default_data_type != QuantDataType::kInt) {
    // Float simulation is a 16-bit round trip (spec §1.10); AIMET accepts
    // float only with default_output_bw = default_param_bw = 16.
    if (options.default_output_bw != 16 || options.default_param_bw != 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          "default_data_type float requires default_output_bw = "
          "default_param_bw = 16, got ",
          options.default_output_bw, " and ", options.default_param_bw));
    }
  } else {
    if (options.default_output_bw < 4 || options.default_output_bw > 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("default_output_bw must be in [4, 32] (32 = not "
                       "quantized), got ",
                       options.default_output_bw));
    }
    if (options.default_param_bw < 2 || options.default_param_bw > 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("default_param_bw must be in [2, 32] (32 = not "
                       "quantized), got ",
                       options.default_param_bw));
    }
  }
  if (!(options.percentile >= 50.0 && options.percentile <= 100.0)) {
    // NaN fails too. Valid range 50-100 (spec §2.4, §2.6).
    return absl::InvalidArgumentError(absl::StrCat(
        "percentile must be in [50, 100], got ", options.percentile));
  }
  return absl::OkStatus();
}

}  // namespace quantsim::quant
