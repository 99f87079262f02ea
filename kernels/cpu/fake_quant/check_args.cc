// CheckQdqArgs: the validating front end of the QDQ kernels.
#include <math.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels {
namespace {

bool IsFiniteInteger(float v) { return isfinite(v) && floorf(v) == v; }

absl::Status Bad(const std::string& msg) {
  return absl::InvalidArgumentError(absl::StrCat("QDQ: ", msg));
}

}  // namespace

absl::Status CheckQdqArgs(const QdqLayout& layout, const QdqParam* params,
                          int64_t num_params, const QdqConfig& config) {
  const struct {
    const char* name;
    int64_t value;
  } sizes[] = {{"layout.outer", layout.outer},
               {"layout.axis", layout.axis},
               {"layout.inner", layout.inner},
               {"layout.block", layout.block}};
  for (const auto& s : sizes) {
    if (s.value < 1) {
      return Bad(absl::StrCat(s.name, " must be >= 1, got ", s.value));
    }
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (layout.outer > kMax / layout.axis ||
      layout.outer * layout.axis > kMax / layout.inner) {
    return Bad(absl::StrCat("element count overflows: outer=", layout.outer,
                            " axis=", layout.axis, " inner=", layout.inner));
  }
  if (num_params != layout.NumParams()) {
    return Bad(absl::StrCat("num_params is ", num_params,
                            " but the layout needs ", layout.NumParams()));
  }
  if (params == nullptr) return Bad("params is null");
  if (!IsFiniteInteger(config.qmin) || !IsFiniteInteger(config.qmax)) {
    return Bad(absl::StrCat("qmin and qmax must be finite integers, got qmin=",
                            config.qmin, " qmax=", config.qmax));
  }
  if (!(config.qmin < config.qmax)) {
    return Bad(absl::StrCat("qmin must be < qmax, got qmin=", config.qmin,
                            " qmax=", config.qmax));
  }
  const int rounding = static_cast<int>(config.rounding);
  if (rounding < 0 || rounding > 2) {
    return Bad(absl::StrCat("unknown rounding mode ", rounding));
  }
  const bool uses_clip = config.rounding != RoundingMode::kHalfToEven;
  for (int64_t k = 0; k < num_params; ++k) {
    const QdqParam& p = params[k];
    if (!isfinite(p.scale) || !(p.scale > 0.0f)) {
      return Bad(absl::StrCat("params[", k,
                              "].scale must be finite and > 0, got ", p.scale));
    }
    if (!IsFiniteInteger(p.zero_point)) {
      return Bad(absl::StrCat("params[", k,
                              "].zero_point must be a finite integer, got ",
                              p.zero_point));
    }
    if (uses_clip) {
      if (!isfinite(p.clip_lo) || !isfinite(p.clip_hi)) {
        return Bad(absl::StrCat("params[", k,
                                "].clip_lo/clip_hi must be finite, got ",
                                p.clip_lo, ", ", p.clip_hi));
      }
      if (p.clip_lo > p.clip_hi) {
        return Bad(absl::StrCat("params[", k, "].clip_lo > clip_hi (",
                                p.clip_lo, " > ", p.clip_hi, ")"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
