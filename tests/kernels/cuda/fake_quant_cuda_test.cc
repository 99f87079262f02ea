// Device QDQ and STE vs the CPU scalar reference (reference.h over the
// QdqLayout), bit for bit, for every rounding mode. Skips without a device.
#include <stdint.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"
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
  testing::ForEachElement(l, [&](int64_t e, int64_t p) {
    want_y[e] = FakeQuantValue(x[e], params[p], c, e);
    want_m[e] = QdqMaskValue(x[e], params[p], c);
  });

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
  int64_t bad = 0;
  for (int64_t e = 0; e < n; ++e) {
    if (Bits(y[e]) != Bits(want_y[e]) || m[e] != want_m[e]) {
      if (++bad <= 5) {
        ADD_FAILURE() << "e=" << e << " x=" << x[e] << " y=" << y[e] << " want "
                      << want_y[e] << " mask=" << int(m[e]) << " want "
                      << int(want_m[e]);
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(FakeQuantCuda, BitIdenticalToCpuReferenceForAllLayoutsAndModes) {
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

TEST(FakeQuantCuda, PerTensorByValueMatchesReferenceAndLayoutPath) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = (1 << 20) + 17;
  const std::vector<float> x = testing::MakeData(n, 3, 3.0f);
  for (RoundingMode mode : kModes) {
    QdqConfig c;
    c.rounding = mode;
    c.seed = 0xfeedfacecafebeefull;
    QdqParam p = MakeQdqParam(0.037f, -3.0f, c.qmin, c.qmax);
    DeviceBuffer dx, dy, dm;
    ASSERT_NO_FATAL_FAILURE(testing::Upload(x, &dx));
    ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &dy));
    ASSERT_NO_FATAL_FAILURE(testing::Alloc<uint8_t>(n, &dm));
    QS_ASSERT_OK(FakeQuantPerTensor(dx.as<float>(), n, p, c, dy.as<float>(),
                                    dm.as<uint8_t>()));
    std::vector<float> y;
    std::vector<uint8_t> m;
    ASSERT_NO_FATAL_FAILURE(testing::Download(dy, &y));
    ASSERT_NO_FATAL_FAILURE(testing::Download(dm, &m));
    int64_t bad = 0;
    for (int64_t e = 0; e < n; ++e) {
      bad += Bits(y[e]) != Bits(FakeQuantValue(x[e], p, c, e)) ||
             m[e] != QdqMaskValue(x[e], p, c);
    }
    EXPECT_EQ(bad, 0) << "mode " << int(mode);
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

TEST(SteBackwardCuda, EqualsDyTimesMask) {
  QS_SKIP_WITHOUT_CUDA_DEVICE();
  const int64_t n = 300007;
  const std::vector<float> dy = testing::MakeData(n, 21, 1.0f);
  std::vector<uint8_t> mask(n);
  for (int64_t e = 0; e < n; ++e) mask[e] = (e * 7 + e / 3) % 5 != 0;
  DeviceBuffer ddy, dm, ddx;
  ASSERT_NO_FATAL_FAILURE(testing::Upload(dy, &ddy));
  ASSERT_NO_FATAL_FAILURE(testing::Upload(mask, &dm));
  ASSERT_NO_FATAL_FAILURE(testing::Alloc<float>(n, &ddx));
  QS_ASSERT_OK(
      SteBackward(ddy.as<float>(), dm.as<uint8_t>(), n, ddx.as<float>()));
  std::vector<float> dx;
  ASSERT_NO_FATAL_FAILURE(testing::Download(ddx, &dx));
  int64_t bad = 0;
  for (int64_t e = 0; e < n; ++e) {
    bad += Bits(dx[e]) != Bits(dy[e] * static_cast<float>(mask[e]));
  }
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace quantsim::kernels::cuda
