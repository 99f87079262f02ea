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
  RangeGradConfig rg;  // asymmetric: needs enc_min/enc_max
  EXPECT_EQ(RangeLearningBackward(kFakeF, kFakeF, l, kFakeP, nullptr, kFakeF, 3,
                                  rg, kFakeF, kFakeF, kFakeF)
                .code(),
            StatusCode::kInvalidArgument);
  rg.formula = static_cast<RangeGradFormula>(9);
  EXPECT_EQ(RangeLearningBackward(kFakeF, kFakeF, l, kFakeP, kFakeF, kFakeF, 3,
                                  rg, kFakeF, kFakeF, kFakeF)
                .code(),
            StatusCode::kInvalidArgument);
  for (float bucket : {0.0f, -1.0f, NAN, INFINITY}) {
    EXPECT_EQ(
        Histogram512(kFakeF, 4, HistogramRange{0.0f, bucket}, kFakeU, nullptr)
            .code(),
        StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(
      Histogram512(kFakeF, 4, HistogramRange{0.0f, 1.0f}, nullptr, nullptr)
          .code(),
      StatusCode::kInvalidArgument);
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
  std::vector<absl::Status> results = {
      CudaDeviceStatus(),
      DeviceBuffer::Allocate(64).status(),
      FakeQuantPerTensor(kFakeF, 4, p, c, kFakeF, kFakeM),
      FakeQuant(kFakeF, l, kFakeP, 3, c, kFakeF, kFakeM),
      SteBackward(kFakeF, kFakeM, 4, kFakeF),
      RangeLearningBackward(kFakeF, kFakeF, l, kFakeP, kFakeF, kFakeF, 3,
                            RangeGradConfig{}, kFakeF, kFakeF, kFakeF),
      MinMax(kFakeF, l, kFakeF, kFakeF),
      Histogram512(kFakeF, 4, HistogramRange{0.0f, 1.0f}, kFakeU, nullptr),
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
