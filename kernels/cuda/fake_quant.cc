#include "kernels/cuda/fake_quant.h"

#include "absl/strings/str_format.h"
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

absl::Status RangeLearningBackward(const float* x, const float* dy,
                                   const QdqLayout& layout,
                                   const QdqParam* params, const float* enc_min,
                                   const float* enc_max, int64_t num_params,
                                   const RangeGradConfig& config, float* dx,
                                   float* dmin, float* dmax, void* stream) {
  constexpr absl::string_view kWhat = "cuda::RangeLearningBackward";
  QS_CUDA_CHECK(CheckConfig(config.qdq, kWhat));
  QS_CUDA_CHECK(CheckLayout(layout, num_params, kWhat));
  const auto formula = static_cast<uint8_t>(config.formula);
  if (formula > static_cast<uint8_t>(RangeGradFormula::kAimetV2)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unknown formula %d", kWhat, formula));
  }
  if (config.symmetric && config.formula == RangeGradFormula::kAimetV1 &&
      config.qdq.qmax - config.qdq.qmin < 2.0f) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: v1 symmetric needs N = qmax - qmin >= 2 (divides by floor(N/2))",
        kWhat));
  }
  const int64_t n = layout.NumElements();
  if (num_params == 0) return absl::OkStatus();
  QS_CUDA_CHECK(CheckPointer(params, "params", kWhat));
  QS_CUDA_CHECK(CheckPointer(dmin, "dmin", kWhat));
  QS_CUDA_CHECK(CheckPointer(dmax, "dmax", kWhat));
  if (!config.symmetric) {
    QS_CUDA_CHECK(CheckPointer(enc_min, "enc_min", kWhat));
    QS_CUDA_CHECK(CheckPointer(enc_max, "enc_max", kWhat));
  }
  if (n > 0) {
    QS_CUDA_CHECK(CheckPointer(x, "x", kWhat));
    QS_CUDA_CHECK(CheckPointer(dy, "dy", kWhat));
    QS_CUDA_CHECK(CheckPointer(dx, "dx", kWhat));
  }
  raw::RangeGradArgs a;
  a.x = x;
  a.dy = dy;
  a.n = static_cast<uint32_t>(n);
  if (n > 0) a.indexer = ParamIndexer::Make(layout);
  a.vary_inner = layout.vary_inner;
  a.inner = static_cast<uint32_t>(layout.inner);
  a.params = params;
  a.enc_min = enc_min;
  a.enc_max = enc_max;
  a.num_params = static_cast<uint32_t>(num_params);
  a.config = config.qdq;
  a.symmetric = config.symmetric;
  a.formula = formula;
  a.dx = dx;
  a.dmin = dmin;
  a.dmax = dmax;
  return CudaStatus(raw::RangeLearningBackward(a, stream), kWhat);
}

}  // namespace quantsim::kernels::cuda
