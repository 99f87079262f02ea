#include "kernels/cuda/stats.h"

#include "absl/strings/str_format.h"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/status_util.h"
#include "kernels/cuda/validate.h"

namespace quantsim::kernels::cuda {
namespace {

#define QS_CUDA_CHECK(expr)                \
  do {                                     \
    const absl::Status qs_check_ = (expr); \
    if (!qs_check_.ok()) return qs_check_; \
  } while (false)

absl::Status CheckHistogram(const float* x, int64_t n, int32_t num,
                            const uint64_t* counts, absl::string_view what) {
  QS_CUDA_CHECK(CheckCount(n, what));
  if (num > kMaxDeviceHistogramBins) {
    return absl::UnimplementedError(
        absl::StrFormat("%s: %d bins; the device kernel supports at most %d",
                        what, num, kMaxDeviceHistogramBins));
  }
  QS_CUDA_CHECK(CheckPointer(counts, "counts", what));
  if (n > 0) QS_CUDA_CHECK(CheckPointer(x, "x", what));
  return absl::OkStatus();
}

}  // namespace

absl::Status MinMax(const float* x, const QdqLayout& layout, float* mins,
                    float* maxs, void* stream) {
  constexpr absl::string_view kWhat = "cuda::MinMax";
  QS_CUDA_CHECK(CheckLayout(layout, layout.NumParams(), kWhat));
  const int64_t n = layout.NumElements();
  const int64_t num_params = layout.NumParams();
  if (num_params == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(mins, "mins", kWhat));
  QS_CUDA_CHECK(CheckPointer(maxs, "maxs", kWhat));
  if (n > 0) QS_CUDA_CHECK(CheckPointer(x, "x", kWhat));
  const ParamIndexer ix = ParamIndexer::Make(layout);
  return CudaStatus(
      raw::MinMax(x, static_cast<uint32_t>(n), ix,
                  static_cast<uint32_t>(num_params), mins, maxs, stream),
      kWhat);
}

absl::Status HistogramRounded(const float* x, int64_t n,
                              const RoundedBuckets& buckets, uint64_t* counts,
                              uint64_t* num_dropped, void* stream) {
  constexpr absl::string_view kWhat = "cuda::HistogramRounded";
  QS_CUDA_CHECK(ValidateRoundedBuckets(buckets));
  QS_CUDA_CHECK(CheckHistogram(x, n, buckets.num_buckets, counts, kWhat));
  return CudaStatus(
      raw::HistogramRounded(x, static_cast<uint64_t>(n), buckets.width,
                            buckets.offset, buckets.num_buckets, counts,
                            num_dropped, stream),
      kWhat);
}

absl::Status HistogramLinear(const float* x, int64_t n, const LinearBins& bins,
                             uint64_t* counts, uint64_t* num_nan,
                             void* stream) {
  constexpr absl::string_view kWhat = "cuda::HistogramLinear";
  QS_CUDA_CHECK(ValidateLinearBins(bins));
  QS_CUDA_CHECK(CheckHistogram(x, n, bins.num_bins, counts, kWhat));
  return CudaStatus(
      raw::HistogramLinear(x, static_cast<uint64_t>(n), bins.lo, bins.hi,
                           bins.num_bins, counts, num_nan, stream),
      kWhat);
}

}  // namespace quantsim::kernels::cuda
