#include "quant/analyzers/analyzer_common.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace quantsim::quant {

absl::Status NoDataStatus(const char* analyzer) {
  return absl::FailedPreconditionError(
      absl::StrCat(analyzer,
                   ": no data seen, no encoding (disable the "
                   "quantizer)"));
}

bool IsNoData(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition;
}

absl::Status ValidateBatch(const float* x, int64_t n,
                           const kernels::StatsExec& exec) {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative element count ", n));
  }
  if (x == nullptr && n > 0) {
    return absl::InvalidArgumentError("null data with a non-zero count");
  }
  return kernels::ValidateStatsExec(exec);
}

Encoding LibpymoZeroDataEncoding(const GridOptions& options,
                                 int64_t num_steps) {
  Encoding e;
  e.bitwidth = options.bitwidth;
  e.symmetric = options.symmetric;
  e.strict_symmetric = options.symmetric && options.strict_symmetric;
  const double n = static_cast<double>(num_steps);
  e.scale = (1.0 - -1.0) / n;
  e.offset = std::floor(-1.0 / e.scale);
  e.min = e.offset * e.scale;
  e.max = e.min + n * e.scale;
  return e;
}

}  // namespace quantsim::quant
