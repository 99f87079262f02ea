#include "quant/sim/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace quantsim::quant {
namespace {

const char* KindName(QuantizerKind k) {
  switch (k) {
    case QuantizerKind::kInput:
      return "input";
    case QuantizerKind::kOutput:
      return "output";
    case QuantizerKind::kParam:
      return "param";
  }
  return "?";
}

const char* DTypeName(QuantDataType d) {
  switch (d) {
    case QuantDataType::kInt:
      return "int";
    case QuantDataType::kFloat16:
      return "fp16";
    case QuantDataType::kBFloat16:
      return "bf16";
  }
  return "?";
}

}  // namespace

const char* QuantizerStateName(QuantizerState s) {
  switch (s) {
    case QuantizerState::kEnabled:
      return "enabled";
    case QuantizerState::kDisabled:
      return "disabled";
    case QuantizerState::kDisabledNoData:
      return "no data";
    case QuantizerState::kPassThrough:
      return "pass-through";
  }
  return "?";
}

std::string QuantSimReport::ToString() const {
  std::string s = absl::StrFormat(
      "quantizers: %d total, %d enabled, %d disabled (%d without data), %d "
      "pass-through\n",
      total, enabled, disabled, disabled_no_data, pass_through);
  for (const std::string& w : warnings)
    absl::StrAppend(&s, "warning: ", w, "\n");
  absl::StrAppend(
      &s, absl::StrFormat("%-28s %-6s %-12s %-5s %3s %-4s %5s %12s "
                          "%12s %12s %8s\n",
                          "tensor", "kind", "state", "dtype", "bw", "sym", "n",
                          "min", "max", "scale", "offset"));
  for (const QuantizerSummary& q : quantizers) {
    absl::StrAppend(
        &s,
        absl::StrFormat("%-28s %-6s %-12s %-5s %3d %-4s %5d %12.6g %12.6g "
                        "%12.6g %8g%s\n",
                        q.tensor, KindName(q.kind), QuantizerStateName(q.state),
                        DTypeName(q.dtype), q.bitwidth,
                        q.symmetric ? "yes" : "no", q.num_encodings, q.min,
                        q.max, q.scale, q.offset, q.frozen ? " frozen" : ""));
  }
  return s;
}

}  // namespace quantsim::quant
