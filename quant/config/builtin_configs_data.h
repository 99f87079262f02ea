// quantsim quant: the shipped config files (quant/configs/*.json), embedded
// by a genrule (embed_configs.sh). Internal to //quant/config; use
// BuiltinQuantSimConfigText (quantsim_config.h).
#ifndef QUANTSIM_QUANT_CONFIG_BUILTIN_CONFIGS_DATA_H_
#define QUANTSIM_QUANT_CONFIG_BUILTIN_CONFIGS_DATA_H_

namespace quantsim::quant {

struct BuiltinConfigFile {
  const char* name;  // file name, e.g. "default_config.json"
  const char* text;  // the file's bytes
};

extern const BuiltinConfigFile kBuiltinConfigFiles[];
extern const int kNumBuiltinConfigFiles;

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_CONFIG_BUILTIN_CONFIGS_DATA_H_
