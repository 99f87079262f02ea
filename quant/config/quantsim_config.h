// quantsim quant: the quantsim configuration JSON (spec §4.1), parsed.
//
// Contract:
//  - ParseQuantSimConfig validates the whole schema of AIMET's
//    quantsim_config_schema.py plus its semantic checks
//    (json_config_importer.py) and returns InvalidArgument naming the source
//    and the JSON path at fault, e.g.
//      "config.json: op_type.Conv.per_channel_quantization: expected "True"
//       or "False"".
//  - Booleans are AIMET's strings "True"/"False". JSON true/false are
//    accepted too (a convenience; AIMET's schema rejects them), nothing else
//    ("true", 1, "yes" are errors).
//  - All six top-level keys are required; defaults.ops and defaults.params
//    are required; unknown keys anywhere are errors (additionalProperties
//    False in AIMET's schema). Rejected values: defaults.ops
//    is_input_quantized (any value), defaults.ops is_output_quantized
//    "False", op_type.*.is_input_quantized "False", model_input
//    is_input_quantized "False", model_output is_output_quantized "False",
//    supported_kernels bitwidth not in {4, 8, 16, 32}, float kernels with a
//    bitwidth other than 16/32, empty supported_kernels, op_list with fewer
//    than 2 entries, encoding_constraints without min/max or min > max.
//  - An absent optional setting is std::nullopt: placement (placement.h)
//    decides what absence means, following spec §4.2.
//  - BuiltinQuantSimConfigText returns the JSON of a shipped config
//    (quant/configs/, embedded at build time): no file is needed at run time.
#ifndef QUANTSIM_QUANT_CONFIG_QUANTSIM_CONFIG_H_
#define QUANTSIM_QUANT_CONFIG_QUANTSIM_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::quant {

// One side of a supported_kernels entry: {"bitwidth": 8, "dtype": "int"}.
struct KernelType {
  int bitwidth = 8;
  bool is_float = false;
};

struct SupportedKernel {
  KernelType activation;
  std::optional<KernelType> param;  // required under defaults
};

// {"is_quantized": ..., "is_symmetric": ...}
struct ParamConfig {
  std::optional<bool> is_quantized;
  std::optional<bool> is_symmetric;
};

struct EncodingConstraints {
  double min = 0.0;
  double max = 0.0;
};

struct OpTypeConfig {
  std::optional<bool> is_input_quantized;  // only true survives validation
  std::optional<bool> is_output_quantized;
  std::optional<bool> is_symmetric;
  std::optional<bool> per_channel_quantization;
  std::map<std::string, ParamConfig> params;  // by parameter name
  std::vector<SupportedKernel> supported_kernels;
  std::optional<EncodingConstraints> encoding_constraints;
};

struct DefaultsConfig {
  std::optional<bool> ops_is_output_quantized;  // only true survives
  std::optional<bool> ops_is_symmetric;
  ParamConfig params;
  std::optional<bool> strict_symmetric;
  std::optional<bool> unsigned_symmetric;
  std::optional<bool> per_channel_quantization;
  std::vector<SupportedKernel> supported_kernels;
  std::string hw_version;  // informational ("V73")
};

struct Supergroup {
  std::vector<std::string> op_list;  // ONNX op types, >= 2
};

struct QuantSimConfig {
  std::string source;  // file or builtin name, for messages
  DefaultsConfig defaults;
  std::map<std::string, ParamConfig> params;
  std::map<std::string, OpTypeConfig> op_type;
  std::vector<Supergroup> supergroups;
  bool model_input_quantized = false;   // model_input.is_input_quantized
  bool model_output_quantized = false;  // model_output.is_output_quantized
};

// `source` prefixes every message (a file name, or "<builtin>").
absl::StatusOr<QuantSimConfig> ParseQuantSimConfig(absl::string_view json,
                                                   const std::string& source);

// Reads and parses a config file (NotFound when missing).
absl::StatusOr<QuantSimConfig> ReadQuantSimConfigFile(const std::string& path);

// The shipped configs, by file name: "default_config.json",
// "default_config_per_channel.json", "htp_quantsim_config_v73.json".
std::vector<std::string> BuiltinQuantSimConfigNames();
// NotFound for an unknown name.
absl::StatusOr<std::string> BuiltinQuantSimConfigText(absl::string_view name);
absl::StatusOr<QuantSimConfig> BuiltinQuantSimConfig(absl::string_view name);

// The config QuantSim uses when QuantSimOptions::config_file is empty
// (default_config.json); else the file.
absl::StatusOr<QuantSimConfig> LoadQuantSimConfig(
    const std::string& config_file);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_CONFIG_QUANTSIM_CONFIG_H_
