// quantsim quant: the options a QuantSim is created with (mirroring AIMET's
// QuantizationSimModel arguments, spec §0, §1.2, §2).
//
// Contract: plain data; ValidateQuantSimOptions (quant/quantsim_options.cc)
// returns InvalidArgument with the reason for an invalid combination (float
// with bitwidth != 16, bitwidths out of range, unknown scheme names).
#ifndef QUANTSIM_QUANT_QUANTSIM_OPTIONS_H_
#define QUANTSIM_QUANT_QUANTSIM_OPTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/quantizer_spec.h"

namespace quantsim::quant {

enum class QuantScheme {
  kPostTrainingTf,                           // min-max (libpymo TF)
  kPostTrainingTfEnhanced,                   // libpymo TF-enhanced (§2.2)
  kPostTrainingPercentile,                   // libpymo percentile (§2.4)
  kTrainingRangeLearningWithTfInit,          // range learning, TF init
  kTrainingRangeLearningWithTfEnhancedInit,  // range learning, TFE init
  kSqnr,                                     // v2 2048-bin SQNR (§2.3)
  kMse,                                      // libpymo MSE (§2.5)
  kEntropy,                                  // libpymo entropy (§2.5)
};

// "post_training_tf", "tf", "min_max", "post_training_tf_enhanced",
// "tf_enhanced", "post_training_percentile", "percentile",
// "training_range_learning_with_tf_init", ..., "sqnr", "mse", "entropy".
absl::StatusOr<QuantScheme> ParseQuantScheme(absl::string_view name);
const char* QuantSchemeName(QuantScheme scheme);

struct QuantSimOptions {
  QuantScheme quant_scheme = QuantScheme::kPostTrainingTfEnhanced;
  double percentile = 100.0;  // kPostTrainingPercentile
  // Nearest = AIMET v1's round-half-away-from-zero (libpymo semantics);
  // stochastic applies in training runs only.
  kernels::RoundingMode rounding_mode =
      kernels::RoundingMode::kHalfAwayFromZero;
  int default_output_bw = 8;  // 4..31; 32 = activations not quantized
  int default_param_bw = 8;   // 2..32; 32 = params not quantized
  QuantDataType default_data_type = QuantDataType::kInt;
  std::string config_file;  // empty: the built-in default config
  bool in_place = false;
  uint64_t seed = 0;  // stochastic rounding
};

absl::Status ValidateQuantSimOptions(const QuantSimOptions& options);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_QUANTSIM_OPTIONS_H_
