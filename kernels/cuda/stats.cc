#include "kernels/cuda/stats.h"

#include <math.h>

#include "absl/strings/str_format.h"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/status_util.h"
#include "kernels/cuda/validate.h"

namespace quantsim::kernels::cuda {

absl::Status MinMax(const float* x, const QdqLayout& layout, float* mins,
                    float* maxs, void* stream) {
  constexpr absl::string_view kWhat = "cuda::MinMax";
  absl::Status s = CheckLayout(layout, layout.NumParams(), kWhat);
  if (!s.ok()) return s;
  const int64_t n = layout.NumElements();
  const int64_t num_params = layout.NumParams();
  if (num_params == 0) return absl::OkStatus();
  for (const auto& [p, name] :
       {std::pair<const void*, const char*>{mins, "mins"}, {maxs, "maxs"}}) {
    s = CheckPointer(p, name, kWhat);
    if (!s.ok()) return s;
  }
  if (n > 0) {
    s = CheckPointer(x, "x", kWhat);
    if (!s.ok()) return s;
  }
  const ParamIndexer ix = n > 0 ? ParamIndexer::Make(layout) : ParamIndexer{};
  return CudaStatus(
      raw::MinMax(x, static_cast<uint32_t>(n), ix, layout.vary_inner,
                  static_cast<uint32_t>(layout.inner),
                  static_cast<uint32_t>(num_params), mins, maxs, stream),
      kWhat);
}

absl::Status Histogram512(const float* x, int64_t n,
                          const HistogramRange& range, uint64_t* counts,
                          uint64_t* num_dropped, void* stream) {
  constexpr absl::string_view kWhat = "cuda::Histogram512";
  absl::Status s = CheckCount(n, kWhat);
  if (!s.ok()) return s;
  if (!isfinite(range.x_left0) || !isfinite(range.bucket) ||
      !(range.bucket > 0.0f)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: histogram range x_left0=%g bucket=%g must be finite with "
        "bucket > 0",
        kWhat, range.x_left0, range.bucket));
  }
  s = CheckPointer(counts, "counts", kWhat);
  if (!s.ok()) return s;
  if (n > 0) {
    s = CheckPointer(x, "x", kWhat);
    if (!s.ok()) return s;
  }
  return CudaStatus(
      raw::Histogram512(x, static_cast<uint64_t>(n), range.x_left0,
                        range.bucket, counts, num_dropped, stream),
      kWhat);
}

}  // namespace quantsim::kernels::cuda
