// quantsim quant: QuantSim's summary - how many quantizers, their states and
// encodings - printable as a table.
//
// Contract: plain data filled by QuantSim::Report(); ToString() renders one
// line per quantizer (tensor, kind, state, bitwidth, symmetric, encodings,
// min, max, scale, offset; per-channel rows show the minimum min, maximum
// max and channel 0's scale and offset) after a totals line and the
// warnings (one per quantizer disabled for lack of data).
#ifndef QUANTSIM_QUANT_SIM_REPORT_H_
#define QUANTSIM_QUANT_SIM_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "quant/quantizer_spec.h"

namespace quantsim::quant {

enum class QuantizerState {
  kEnabled,         // has a node in the sim graph
  kDisabled,        // disabled by the user, spec or SetEncodings(partial=false)
  kDisabledNoData,  // saw no calibration data
  kPassThrough,     // bitwidth 32
};
const char* QuantizerStateName(QuantizerState s);

struct QuantizerSummary {
  std::string tensor;
  QuantizerKind kind = QuantizerKind::kOutput;
  QuantDataType dtype = QuantDataType::kInt;
  QuantizerState state = QuantizerState::kEnabled;
  bool frozen = false;
  int bitwidth = 8;
  bool symmetric = false;
  int64_t num_encodings = 0;  // 0: not computed yet (or float)
  double min = 0.0, max = 0.0, scale = 0.0, offset = 0.0;
};

struct QuantSimReport {
  int total = 0;
  int enabled = 0;
  int disabled = 0;  // all disabled, including no data
  int disabled_no_data = 0;
  int pass_through = 0;
  std::vector<std::string> warnings;
  std::vector<QuantizerSummary> quantizers;

  std::string ToString() const;
};

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_SIM_REPORT_H_
