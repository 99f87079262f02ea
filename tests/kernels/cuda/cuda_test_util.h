// Test helpers for tests/kernels/cuda: skip without a device, status
// assertions, host<->device copies and the CPU oracle over a QdqLayout.
#ifndef QUANTSIM_TESTS_KERNELS_CUDA_CUDA_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CUDA_CUDA_TEST_UTIL_H_

#include <stdint.h>
#include <string.h>

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cuda/device.h"

namespace quantsim::kernels::cuda::testing {

inline const CudaProbeResult& Probe() {
  static const CudaProbeResult* probe = new CudaProbeResult(ProbeCuda());
  return *probe;
}

#define QS_SKIP_WITHOUT_CUDA_DEVICE()                                      \
  do {                                                                     \
    if (!::quantsim::kernels::cuda::testing::Probe().device_available())   \
      GTEST_SKIP() << "no CUDA device: "                                   \
                   << ::quantsim::kernels::cuda::testing::Probe().message; \
  } while (false)

#define QS_ASSERT_OK(expr)                       \
  do {                                           \
    const ::absl::Status qs_s_ = (expr);         \
    ASSERT_TRUE(qs_s_.ok()) << qs_s_.ToString(); \
  } while (false)

// Uploads `host` (ASSERTs on failure; use inside ASSERT_NO_FATAL_FAILURE).
template <typename T>
void Upload(const std::vector<T>& host, DeviceBuffer* out) {
  absl::StatusOr<DeviceBuffer> b = DeviceBuffer::FromHost(host);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  *out = std::move(*b);
}

template <typename T>
void Alloc(size_t count, DeviceBuffer* out) {
  absl::StatusOr<DeviceBuffer> b = DeviceBuffer::Allocate(count * sizeof(T));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  *out = std::move(*b);
}

template <typename T>
void Download(const DeviceBuffer& b, std::vector<T>* out) {
  QS_ASSERT_OK(Synchronize());
  absl::StatusOr<std::vector<T>> v = b.ToHost<T>();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  *out = std::move(*v);
}

inline uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof(b));
  return b;
}

// Calls f(e, param_index) for every element, in order, with QdqLayout's own
// RunParamIndex (the oracle for the device's ParamIndexer).
template <typename F>
void ForEachElement(const QdqLayout& l, F f) {
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t a = 0; a < l.axis; ++a) {
      const int64_t base = l.RunParamIndex(o, a);
      for (int64_t i = 0; i < l.inner; ++i) {
        f((o * l.axis + a) * l.inner + i, base + (l.vary_inner ? i : 0));
      }
    }
  }
}

// Random data with exact rounding ties, clip edges, NaN, +-inf and outliers.
inline std::vector<float> MakeData(int64_t n, uint32_t seed, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::uniform_int_distribution<int> pick(0, 49);
  std::vector<float> x(n);
  for (int64_t e = 0; e < n; ++e) {
    const int k = pick(rng);
    if (k == 0) {
      x[e] = nanf("");
    } else if (k == 1) {
      x[e] = (e & 1) ? INFINITY : -INFINITY;
    } else if (k < 6) {
      x[e] = static_cast<float>(static_cast<int>(normal(rng) * 20)) * 0.5f *
             0.05f;  // multiples of half a typical step: ties
    } else if (k < 8) {
      x[e] = normal(rng) * 100.0f;
    } else {
      x[e] = normal(rng);
    }
  }
  return x;
}

// Parameters with scale in [0.01, 0.1], integer zero points in [-20, 20];
// every 3rd one has a libpymo-style clip range narrower than the grid.
inline std::vector<QdqParam> MakeParams(int64_t count, const QdqConfig& c,
                                        uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> scale(0.01f, 0.1f);
  std::uniform_int_distribution<int> zp(-20, 20);
  std::vector<QdqParam> p(count);
  for (int64_t k = 0; k < count; ++k) {
    const float s = k == 0 ? 0.05f : scale(rng);
    p[k] = MakeQdqParam(s, static_cast<float>(zp(rng)), c.qmin, c.qmax);
    if (k % 3 == 2) {
      p[k].clip_lo *= 0.75f;
      p[k].clip_hi *= 0.75f;
    }
  }
  return p;
}

}  // namespace quantsim::kernels::cuda::testing

#endif  // QUANTSIM_TESTS_KERNELS_CUDA_CUDA_TEST_UTIL_H_
