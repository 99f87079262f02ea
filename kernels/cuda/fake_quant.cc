#include "kernels/cuda/fake_quant.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "kernels/cpu/fake_quant_grad/fake_quant_grad_checked.h"
#include "kernels/cuda/param_index.h"
#include "kernels/cuda/raw.h"
#include "kernels/cuda/status_util.h"
#include "kernels/cuda/validate.h"

namespace quantsim::kernels::cuda {

#define QS_CUDA_CHECK(expr)                \
  do {                                     \
    const absl::Status qs_check_ = (expr); \
    if (!qs_check_.ok()) return qs_check_; \
  } while (false)

absl::Status FakeQuantPerTensor(const float* x, int64_t n,
                                const QdqParam& param, const QdqConfig& config,
                                float* y, uint8_t* mask, void* stream) {
  constexpr absl::string_view kWhat = "cuda::FakeQuantPerTensor";
  QS_CUDA_CHECK(CheckCount(n, kWhat));
  QS_CUDA_CHECK(CheckConfig(config, kWhat));
  QS_CUDA_CHECK(CheckParam(param, config, kWhat));
  if (n == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(x, "x", kWhat));
  QS_CUDA_CHECK(CheckPointer(y, "y", kWhat));
  return CudaStatus(raw::FakeQuantPerTensor(x, static_cast<uint64_t>(n), param,
                                            config, y, mask, stream),
                    kWhat);
}

absl::Status FakeQuant(const float* x, const QdqLayout& layout,
                       const QdqParam* params, int64_t num_params,
                       const QdqConfig& config, float* y, uint8_t* mask,
                       void* stream) {
  constexpr absl::string_view kWhat = "cuda::FakeQuant";
  QS_CUDA_CHECK(CheckConfig(config, kWhat));
  QS_CUDA_CHECK(CheckLayout(layout, num_params, kWhat));
  const int64_t n = layout.NumElements();
  if (n == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(x, "x", kWhat));
  QS_CUDA_CHECK(CheckPointer(y, "y", kWhat));
  QS_CUDA_CHECK(CheckPointer(params, "params", kWhat));
  return CudaStatus(raw::FakeQuantLayout(x, static_cast<uint32_t>(n),
                                         ParamIndexer::Make(layout), params,
                                         config, y, mask, stream),
                    kWhat);
}

absl::Status SteBackward(const float* dy, const uint8_t* mask, int64_t n,
                         float* dx, void* stream) {
  constexpr absl::string_view kWhat = "cuda::SteBackward";
  QS_CUDA_CHECK(CheckCount(n, kWhat));
  if (n == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(dy, "dy", kWhat));
  QS_CUDA_CHECK(CheckPointer(mask, "mask", kWhat));
  QS_CUDA_CHECK(CheckPointer(dx, "dx", kWhat));
  return CudaStatus(
      raw::SteBackward(dy, mask, static_cast<uint64_t>(n), dx, stream), kWhat);
}

absl::Status RangeLearnBackward(const float* x, const float* dy,
                                const QdqLayout& layout, const float* enc_min,
                                const float* enc_max,
                                const RangeGradConfig& config, float* dx,
                                float* dmin, float* dmax, float* x_hat,
                                void* stream) {
  constexpr absl::string_view kWhat = "cuda::RangeLearnBackward";
  if (layout.block != 1 || layout.vary_outer || layout.vary_inner) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: needs a per-tensor or per-channel layout (block 1, no "
        "vary_outer/vary_inner), got block=%d vary_outer=%d vary_inner=%d",
        kWhat, layout.block, layout.vary_outer, layout.vary_inner));
  }
  QS_CUDA_CHECK(CheckLayout(layout, layout.NumParams(), kWhat));
  QS_CUDA_CHECK(ValidateRangeGradConfig(config));
  const int64_t channels = layout.axis;
  if (channels == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(enc_min, "enc_min", kWhat));
  QS_CUDA_CHECK(CheckPointer(enc_max, "enc_max", kWhat));
  QS_CUDA_CHECK(ValidateEncodingRanges(absl::MakeConstSpan(enc_min, channels),
                                       absl::MakeConstSpan(enc_max, channels),
                                       config));
  QS_CUDA_CHECK(CheckPointer(dmin, "dmin", kWhat));
  QS_CUDA_CHECK(CheckPointer(dmax, "dmax", kWhat));
  if (layout.NumElements() > 0) {
    QS_CUDA_CHECK(CheckPointer(x, "x", kWhat));
    QS_CUDA_CHECK(CheckPointer(dy, "dy", kWhat));
  }
  std::vector<RangeGradGrid> grids(static_cast<size_t>(channels));
  for (int64_t a = 0; a < channels; ++a) {
    grids[a] = MakeRangeGradGrid(enc_min[a], enc_max[a], config);
  }
  raw::RangeGradArgs r;
  r.x = x;
  r.dy = dy;
  r.outer = static_cast<uint32_t>(layout.outer);
  r.axis = static_cast<uint32_t>(channels);
  r.inner = static_cast<uint32_t>(layout.inner);
  r.grids = grids.data();
  r.half_even = config.rounding == RoundingMode::kHalfToEven;
  r.dx = dx;
  r.x_hat = x_hat;
  r.dmin = dmin;
  r.dmax = dmax;
  return CudaStatus(raw::RangeLearnBackward(r, stream), kWhat);
}

}  // namespace quantsim::kernels::cuda
