// Device QDQ and STE vs the CPU kernels (kernels::FakeQuantize,
// kernels::QdqSteBackward), bit for bit, for every rounding mode and layout.
// Skips without a device.
#include <stdint.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "kernels/cpu/fake_quant_grad/ste_backward.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/fake_quant.h"
#include "tests/kernels/cuda/cuda_test_util.h"

namespace quantsim::kernels::cuda {
namespace {

using testing::Bits;

struct LayoutCase {
  std::string name;
  QdqLayout layout;
};

std::vector<LayoutCase> Layouts() {
  return {
      {"per_tensor", PerTensorLayout(100003)},
      {"channel_axis0", QdqLayout{1, 16, 3 * 5 * 7, 1, false, false}},
      {"channel_axis1", QdqLayout{4, 12, 5 * 7, 1, false, false}},
      {"channel_axis2", QdqLayout{4 * 3, 9, 37, 1, false, false}},
      {"channel_last", QdqLayout{301, 1, 24, 1, false, true}},
      {"aimet_blockwise", QdqLayout{16, 64, 3, 16, true, false}},
      {"onnx_blockwise_short_block", QdqLayout{6, 37, 5, 8, true, true}},
      {"large_per_channel", QdqLayout{1, 64, 40000, 1, false, false}},
  };
}

const RoundingMode kModes[] = {RoundingMode::kHalfToEven,
                               RoundingMode::kHalfAwayFromZero,
                               RoundingMode::kStochastic};

void ExpectBitIdentical(const QdqLayout& l, const QdqConfig& c, uint32_t seed) {
  const int64_t n = l.NumElements();
  const std::vector<float> x = testing::MakeData(n, seed, 2.0f);
  const std::vector<QdqParam> params =
      testing::MakeParams(l.NumParams(), c, seed + 1);
  std::vector<float> want_y(n);
  std::vector<uint8_t> want_m(n);
  FakeQuantize(x.data(), want_y.data(), want_m.data(), l, params.data(), c);

  DeviceBuffer dx, dp, dy, dm;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(params, &dp));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &dy));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<uint8_t>(n, &dm));
  QS_ASSERT_OK(FakeQuant(dx.as<float>(), l, dp.as<QdqParam>(), l.NumParams(), c,
                         dy.as<float>(), dm.as<uint8_t>()));
  std::vector<float> y;
  std::vector<uint8_t> m;
  ASSERT_NO_FATAL_FAILURE(testing::Download(dy, &y));
  ASSERT_NO_FATAL_FAILURE(testing::Download(dm, &m));
  EXPECT_EQ(testing::CountBitMismatches(y, want_y, "y"), 0);
  EXPECT_EQ(m, want_m);
}

TEST(FakeQuantCuda, BitIdenticalToCpuKernelForAllLayoutsAndModes) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (const LayoutCase& lc : Layouts()) {
    for (RoundingMode mode : kModes) {
      QdqConfig c;
      c.rounding = mode;
      c.seed = 0x0123456789abcdefull;
      SCOPED_TRACE(lc.name + " mode " + std::to_string(int(mode)));
      ExpectBitIdentical(lc.layout, c, 11);
    }
  }
}

TEST(FakeQuantCuda, UnsignedAndWideGrids) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  for (RoundingMode mode : kModes) {
    QdqConfig c;
    c.rounding = mode;
    c.seed = 99;
    c.qmin = 0.0f;
    c.qmax = 15.0f;  // 4-bit unsigned
    ExpectBitIdentical(QdqLayout{3, 10, 333, 1, false, false}, c, 5);
    c.qmin = -32768.0f;
    c.qmax = 32767.0f;  // 16-bit
    ExpectBitIdentical(PerTensorLayout(50000), c, 6);
  }
}

// Per-tensor launcher: the float4 path (aligned, n >= 4096) with a tail of
// 1-3 elements, and the scalar path (x and y one float off 16-byte
// alignment, or short), all against the CPU kernel.
TEST(FakeQuantCuda, PerTensorVectorAndScalarPathsMatchCpuKernel) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t total = (1 << 20) + 19;
  const std::vector<float> x_all = testing::MakeData(total, 3, 3.0f);
  DeviceBuffer dx, dy, dm;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x_all, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(total, &dy));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<uint8_t>(total, &dm));
  struct Case {
    int64_t offset;  // elements: 0 keeps 16-byte alignment, 1 breaks it
    int64_t n;
  };
  for (const Case& k : {Case{0, (1 << 20) + 17}, Case{0, 4099}, Case{0, 4096},
                        Case{0, 1000}, Case{1, (1 << 20) + 17}, Case{1, 7}}) {
    for (RoundingMode mode : kModes) {
      SCOPED_TRACE("offset " + std::to_string(k.offset) + " n " +
                   std::to_string(k.n) + " mode " + std::to_string(int(mode)));
      QdqConfig c;
      c.rounding = mode;
      c.seed = 0xfeedfacecafebeefull;
      const QdqParam p = MakeQdqParam(0.037f, -3.0f, c.qmin, c.qmax);
      const std::vector<float> x(x_all.begin() + k.offset,
                                 x_all.begin() + k.offset + k.n);
      std::vector<float> want_y(k.n);
      std::vector<uint8_t> want_m(k.n);
      FakeQuantize(x.data(), want_y.data(), want_m.data(), PerTensorLayout(k.n),
                   &p, c);
      QS_ASSERT_OK(FakeQuantPerTensor(dx.as<float>() + k.offset, k.n, p, c,
                                      dy.as<float>() + k.offset,
                                      dm.as<uint8_t>() + k.offset));
      std::vector<float> y;
      std::vector<uint8_t> m;
      ASSERT_NO_FATAL_FAILURE(testing::Download(dy, &y));
      ASSERT_NO_FATAL_FAILURE(testing::Download(dm, &m));
      y = std::vector<float>(y.begin() + k.offset, y.begin() + k.offset + k.n);
      m = std::vector<uint8_t>(m.begin() + k.offset,
                               m.begin() + k.offset + k.n);
      EXPECT_EQ(testing::CountBitMismatches(y, want_y, "y"), 0);
      EXPECT_EQ(m, want_m);
    }
  }
}

TEST(FakeQuantCuda, StochasticDependsOnSeedAndIsReproducible) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = 4096;
  std::vector<float> x(n, 0.0123f);  // between grid points
  QdqConfig c;
  c.rounding = RoundingMode::kStochastic;
  const QdqParam p = MakeQdqParam(0.05f, 0.0f, c.qmin, c.qmax);
  DeviceBuffer dx, dy;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &dy));
  std::vector<std::vector<float>> runs;
  for (uint64_t seed : {1ull, 1ull, 2ull}) {
    c.seed = seed;
    QS_ASSERT_OK(
        FakeQuantPerTensor(dx.as<float>(), n, p, c, dy.as<float>(), nullptr));
    std::vector<float> y;
    ASSERT_NO_FATAL_FAILURE(testing::Download(dy, &y));
    runs.push_back(y);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_NE(runs[0], runs[2]);
  int64_t up = 0;
  for (float v : runs[0]) up += v != 0.0f;
  // P(round up) = 0.0123 / 0.05 = 0.246.
  EXPECT_GT(up, n * 0.2);
  EXPECT_LT(up, n * 0.3);
}

// dx = mask ? dy : +0 exactly as kernels::QdqSteBackward: NaN and inf dy
// on clipped elements give +0 (a product dy * 0 would give NaN or -0).
TEST(SteBackwardCuda, BitIdenticalToCpuKernelIncludingNanAndInfGradients) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = 300007;
  std::vector<float> dy = testing::MakeData(n, 21, 1.0f);
  std::vector<uint8_t> mask(n);
  for (int64_t e = 0; e < n; ++e) mask[e] = (e * 7 + e / 3) % 5 != 0;
  dy[0] = NAN, mask[0] = 0;
  dy[1] = -INFINITY, mask[1] = 0;
  dy[2] = -1.5f, mask[2] = 0;
  std::vector<float> want(n);
  QdqSteBackward(dy.data(), mask.data(), want.data(), n);
  ASSERT_EQ(Bits(want[0]), 0u);
  ASSERT_EQ(Bits(want[1]), 0u);
  ASSERT_EQ(Bits(want[2]), 0u);
  DeviceBuffer ddy, dm, ddx;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(dy, &ddy));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(mask, &dm));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &ddx));
  QS_ASSERT_OK(
      SteBackward(ddy.as<float>(), dm.as<uint8_t>(), n, ddx.as<float>()));
  std::vector<float> dx;
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddx, &dx));
  EXPECT_EQ(testing::CountBitMismatches(dx, want, "dx"), 0);
  // In place (dx == dy), as the CPU kernel allows.
  QS_ASSERT_OK(
      SteBackward(ddy.as<float>(), dm.as<uint8_t>(), n, ddy.as<float>()));
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddy, &dx));
  EXPECT_EQ(testing::CountBitMismatches(dx, want, "dx in place"), 0);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
