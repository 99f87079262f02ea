// Launcher front ends without a device: argument validation (every build),
// "built without CUDA" from the stub, "no device" from a CUDA build on a
// machine without a GPU. QS_EXPECT_CUDA comes from BUILD (//:cuda_enabled).
#include <stdint.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/fake_quant.h"
#include "kernels/cuda/stats.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using ::absl::StatusCode;

// Never dereferenced: only passed when validation must fail or when there is
// no device (the call fails before any launch).
float* const kFakeF = reinterpret_cast<float*>(uintptr_t{0x1000});
uint8_t* const kFakeM = reinterpret_cast<uint8_t*>(uintptr_t{0x2000});
const QdqParam* const kFakeP =
    reinterpret_cast<const QdqParam*>(uintptr_t{0x3000});
uint64_t* const kFakeU = reinterpret_cast<uint64_t*>(uintptr_t{0x4000});

TEST(CudaBuild, ProbeReportsHowItWasBuilt) {
  const CudaProbeResult& r = testing::Probe();
  EXPECT_EQ(r.compiled_with_cuda, QS_EXPECT_CUDA != 0) << r.message;
  EXPECT_FALSE(r.message.empty());
  std::printf("probe: compiled_with_cuda=%d devices=%d: %s\n",
              r.compiled_with_cuda, r.device_count, r.message.c_str());
}

TEST(CudaValidation, FakeQuantPerTensorRejectsBadArguments) {
  const QdqConfig c;
  const QdqParam p = MakeQdqParam(0.1f, 0.0f, c.qmin, c.qmax);
  EXPECT_EQ(FakeQuantPerTensor(kFakeF, -1, p, c, kFakeF, nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FakeQuantPerTensor(nullptr, 4, p, c, kFakeF, nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FakeQuantPerTensor(kFakeF, 4, p, c, nullptr, nullptr).code(),
            StatusCode::kInvalidArgument);
  for (float bad_scale : {0.0f, -1.0f, NAN, INFINITY}) {
    QdqParam q = p;
    q.scale = bad_scale;
    EXPECT_EQ(FakeQuantPerTensor(kFakeF, 4, q, c, kFakeF, nullptr).code(),
              StatusCode::kInvalidArgument)
        << bad_scale;
  }
  QdqParam half_zp = p;
  half_zp.zero_point = 0.5f;
  EXPECT_EQ(FakeQuantPerTensor(kFakeF, 4, half_zp, c, kFakeF, nullptr).code(),
            StatusCode::kInvalidArgument);
  QdqConfig bad_grid = c;
  bad_grid.qmin = 5.0f;
  bad_grid.qmax = 5.0f;
  EXPECT_EQ(FakeQuantPerTensor(kFakeF, 4, p, bad_grid, kFakeF, nullptr).code(),
            StatusCode::kInvalidArgument);
  QdqConfig bad_mode = c;
  bad_mode.rounding = static_cast<RoundingMode>(7);
  EXPECT_EQ(FakeQuantPerTensor(kFakeF, 4, p, bad_mode, kFakeF, nullptr).code(),
            StatusCode::kInvalidArgument);
  QdqConfig away = c;
  away.rounding = RoundingMode::kHalfAwayFromZero;
  QdqParam empty_clip = p;
  std::swap(empty_clip.clip_lo, empty_clip.clip_hi);
  const absl::Status s =
      FakeQuantPerTensor(kFakeF, 4, empty_clip, away, kFakeF, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("FakeQuantPerTensor"), std::string::npos) << s;
  // n == 0 is a no-op in every build.
  EXPECT_TRUE(FakeQuantPerTensor(nullptr, 0, p, c, nullptr, nullptr).ok());
}

TEST(CudaValidation, LayoutLaunchersRejectBadLayouts) {
  const QdqConfig c;
  const QdqLayout l{2, 3, 4, 1, false, false};  // 3 params
  EXPECT_EQ(FakeQuant(kFakeF, l, kFakeP, 4, c, kFakeF, kFakeM).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FakeQuant(kFakeF, l, nullptr, 3, c, kFakeF, kFakeM).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FakeQuant(kFakeF, QdqLayout{2, 3, 4, 0, false, false}, kFakeP, 3, c,
                      kFakeF, kFakeM)
                .code(),
            StatusCode::kInvalidArgument);
  const QdqLayout huge{1 << 20, 1 << 10, 1 << 10, 1, false, false};
  EXPECT_EQ(FakeQuant(kFakeF, huge, kFakeP, huge.NumParams(), c, kFakeF, kFakeM)
                .code(),
            StatusCode::kUnimplemented);
  EXPECT_EQ(SteBackward(kFakeF, nullptr, 4, kFakeF).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MinMax(kFakeF, l, nullptr, kFakeF).code(),
            StatusCode::kInvalidArgument);
  for (float width : {0.0f, -1.0f, NAN, INFINITY}) {
    EXPECT_EQ(HistogramRounded(kFakeF, 4, RoundedBuckets{width, 0.0f, 512},
                               kFakeU, nullptr)
                  .code(),
              StatusCode::kInvalidArgument)
        << width;
  }
  EXPECT_EQ(HistogramRounded(kFakeF, 4, RoundedBuckets{1.0f, 0.0f, 0}, kFakeU,
                             nullptr)
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      HistogramRounded(kFakeF, 4, RoundedBuckets{}, nullptr, nullptr).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      HistogramRounded(kFakeF, 4,
                       RoundedBuckets{1.0f, 0.0f, kMaxDeviceHistogramBins + 1},
                       kFakeU, nullptr)
          .code(),
      StatusCode::kUnimplemented);
  EXPECT_EQ(
      HistogramLinear(kFakeF, 4, LinearBins{1.0f, 1.0f, 2048}, kFakeU, nullptr)
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(HistogramLinear(nullptr, 4, LinearBins{}, kFakeU, nullptr).code(),
            StatusCode::kInvalidArgument);
}

TEST(CudaValidation, RangeLearnBackwardRejectsWhatTheCpuKernelRejects) {
  const QdqLayout l{2, 3, 4, 1, false, false};  // 3 channels
  const std::vector<float> mn = {-1.0f, -2.0f, -0.5f};
  const std::vector<float> mx = {1.0f, 2.0f, 0.5f};
  const RangeGradConfig rc = V2RangeGradConfig(8, false);
  auto call = [&](const QdqLayout& layout, const float* enc_min,
                  const float* enc_max, const RangeGradConfig& c) {
    return cuda::RangeLearnBackward(kFakeF, kFakeF, layout, enc_min, enc_max, c,
                                    kFakeF, kFakeF, kFakeF, nullptr)
        .code();
  };
  EXPECT_EQ(call(l, nullptr, mx.data(), rc), StatusCode::kInvalidArgument);
  EXPECT_EQ(call(l, mn.data(), nullptr, rc), StatusCode::kInvalidArgument);
  // Blockwise / vary_* layouts: the CPU kernel has none either.
  EXPECT_EQ(call(QdqLayout{2, 4, 4, 2, false, false}, mn.data(), mx.data(), rc),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(call(QdqLayout{8, 1, 3, 1, false, true}, mn.data(), mx.data(), rc),
            StatusCode::kInvalidArgument);
  RangeGradConfig bad_bits = rc;
  bad_bits.bitwidth = 1;
  EXPECT_EQ(call(l, mn.data(), mx.data(), bad_bits),
            StatusCode::kInvalidArgument);
  const std::vector<float> swapped = {1.0f, -2.0f, -0.5f};  // min > max
  EXPECT_EQ(call(l, swapped.data(), mx.data(), rc),
            StatusCode::kInvalidArgument);
  const std::vector<float> neg_max = {-1.0f, -1.0f, -1.0f};
  EXPECT_EQ(call(l, std::vector<float>(3, -2.0f).data(), neg_max.data(),
                 AimetV1RangeGradConfig(8, true)),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(cuda::RangeLearnBackward(kFakeF, kFakeF, l, mn.data(), mx.data(),
                                     rc, kFakeF, nullptr, kFakeF, nullptr)
                .code(),
            StatusCode::kInvalidArgument);
  // No channels: nothing to do in every build.
  EXPECT_TRUE(cuda::RangeLearnBackward(
                  nullptr, nullptr, QdqLayout{2, 0, 4, 1, false, false},
                  nullptr, nullptr, rc, nullptr, nullptr, nullptr, nullptr)
                  .ok());
}

// Valid calls where there is no usable device: the stub says "built without
// CUDA" (FailedPrecondition), a CUDA build says Unavailable.
TEST(CudaNoDevice, EveryEntryPointFailsCleanly) {
  if (testing::Probe().device_available()) {
    GTEST_SKIP() << "a device is present: " << testing::Probe().message;
  }
  const StatusCode want = QS_EXPECT_CUDA ? StatusCode::kUnavailable
                                         : StatusCode::kFailedPrecondition;
  const QdqConfig c;
  const QdqParam p = MakeQdqParam(0.1f, 0.0f, c.qmin, c.qmax);
  const QdqLayout l{2, 3, 4, 1, false, false};
  const std::vector<float> enc_min(3, -1.0f), enc_max(3, 1.0f);
  std::vector<absl::Status> results = {
      CudaDeviceStatus(),
      DeviceBuffer::Allocate(64).status(),
      FakeQuantPerTensor(kFakeF, 4, p, c, kFakeF, kFakeM),
      FakeQuant(kFakeF, l, kFakeP, 3, c, kFakeF, kFakeM),
      SteBackward(kFakeF, kFakeM, 4, kFakeF),
      cuda::RangeLearnBackward(kFakeF, kFakeF, l, enc_min.data(),
                               enc_max.data(), V2RangeGradConfig(8, false),
                               kFakeF, kFakeF, kFakeF, nullptr),
      MinMax(kFakeF, l, kFakeF, kFakeF),
      HistogramRounded(kFakeF, 4, RoundedBuckets{}, kFakeU, nullptr),
      HistogramLinear(kFakeF, 4, LinearBins{}, kFakeU, nullptr),
  };
  for (const absl::Status& s : results) {
    EXPECT_EQ(s.code(), want) << s;
    if (!QS_EXPECT_CUDA) {
      EXPECT_NE(s.message().find("built without CUDA"), std::string::npos) << s;
    }
  }
  if (!QS_EXPECT_CUDA) {
    EXPECT_EQ(Synchronize().code(), want);
    EXPECT_EQ(CopyDeviceToDevice(kFakeF, kFakeF, 4).code(), want);
  }
}

TEST(DeviceBuffer, EmptyBufferNeedsNoDevice) {
  absl::StatusOr<DeviceBuffer> b = DeviceBuffer::Allocate(0);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->size(), 0u);
  EXPECT_EQ(b->data(), nullptr);
  float x = 0;
  EXPECT_EQ(b->CopyFromHost(&x, sizeof(x)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(b->CopyToHost(&x, sizeof(x)).code(), StatusCode::kInvalidArgument);
  DeviceBuffer moved = std::move(*b);
  EXPECT_EQ(moved.size(), 0u);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
