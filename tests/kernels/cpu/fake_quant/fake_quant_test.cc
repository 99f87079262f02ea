// FakeQuantize (SIMD, threaded) vs the scalar reference of reference.h, bit
// for bit, for every supported Isa and every rounding mode.
#include "kernels/cpu/fake_quant/fake_quant.h"

#include <math.h>
#include <string.h>

#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

// Expected output by the scalar reference with the layout's index formula
// written out as loops (independent of the kernel's walk).
void Reference(const std::vector<float>& x, std::vector<float>* y,
               std::vector<uint8_t>* mask, const QdqLayout& l,
               const std::vector<QdqParam>& params, const QdqConfig& c) {
  y->resize(x.size());
  mask->resize(x.size());
  int64_t pos = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t a = 0; a < l.axis; ++a) {
      for (int64_t i = 0; i < l.inner; ++i, ++pos) {
        const int64_t pi =
            ((l.vary_outer ? o : 0) * l.AxisBlocks() + a / l.block) *
                (l.vary_inner ? l.inner : 1) +
            (l.vary_inner ? i : 0);
        const QdqParam& p = params[pi];
        (*y)[pos] = FakeQuantValue(x[pos], p, c, pos);
        (*mask)[pos] = QdqMaskValue(x[pos], p, c);
      }
    }
  }
}

class FakeQuantTest
    : public ::testing::TestWithParam<std::tuple<Isa, RoundingMode>> {
 protected:
  void SetUp() override {
    if (!engine::IsaSupported(isa())) GTEST_SKIP() << "Isa not supported";
  }
  Isa isa() const { return std::get<0>(GetParam()); }
  RoundingMode rounding() const { return std::get<1>(GetParam()); }

  QdqConfig Config(float qmin, float qmax, uint64_t seed = 7) const {
    QdqConfig c;
    c.qmin = qmin;
    c.qmax = qmax;
    c.rounding = rounding();
    c.seed = seed;
    return c;
  }

  // Runs out of place (with and without mask), in place, and on 1/2/3
  // threads; every result must equal the reference bit for bit.
  void Check(const std::vector<float>& x, const QdqLayout& l,
             const std::vector<QdqParam>& params, const QdqConfig& c) {
    ASSERT_EQ(static_cast<int64_t>(x.size()), l.NumElements());
    ASSERT_EQ(static_cast<int64_t>(params.size()), l.NumParams());
    std::vector<float> want;
    std::vector<uint8_t> want_mask;
    Reference(x, &want, &want_mask, l, params, c);
    const size_t n = x.size();
    auto expect_same = [&](const std::vector<float>& got, const char* what) {
      for (size_t k = 0; k < n; ++k) {
        ASSERT_EQ(Bits(got[k]), Bits(want[k]))
            << what << " element " << k << " x=" << x[k] << " got " << got[k]
            << " want " << want[k];
      }
    };
    for (int threads : {1, 2, 3}) {
      engine::ThreadPool pool(threads);
      engine::ThreadPool* p = threads == 1 ? nullptr : &pool;
      std::vector<float> y(n, 123.0f);
      std::vector<uint8_t> mask(n, 7);
      FakeQuantize(x.data(), y.data(), mask.data(), l, params.data(), c, p,
                   isa());
      expect_same(y, "out of place");
      for (size_t k = 0; k < n; ++k) {
        ASSERT_EQ(mask[k], want_mask[k]) << "mask element " << k;
      }
      std::vector<float> y2(n, 5.0f);
      FakeQuantize(x.data(), y2.data(), nullptr, l, params.data(), c, p, isa());
      expect_same(y2, "no mask");
      std::vector<float> inplace = x;
      std::vector<uint8_t> mask2(n, 9);
      FakeQuantize(inplace.data(), inplace.data(), mask2.data(), l,
                   params.data(), c, p, isa());
      expect_same(inplace, "in place");
      ASSERT_EQ(mask2, want_mask);
    }
  }
};

std::vector<float> RandomData(int64_t n, float spread, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  return x;
}

std::vector<QdqParam> RandomParams(int64_t n, float qmin, float qmax,
                                   uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> s(0.01f, 0.2f);
  std::uniform_int_distribution<int> z(static_cast<int>(qmin),
                                       static_cast<int>(qmax));
  std::vector<QdqParam> p(n);
  for (auto& e : p) {
    e = MakeQdqParam(s(rng), static_cast<float>(z(rng)), qmin, qmax);
  }
  return p;
}

TEST_P(FakeQuantTest, PerTensorRandomWithTails) {
  for (int64_t n : {1, 7, 15, 16, 17, 100, 65536 + 37, 3 * 65536 + 5}) {
    const auto x = RandomData(n, 3.0f, 1 + n);
    Check(x, PerTensorLayout(n), {MakeQdqParam(0.02f, 3.0f, -128, 127)},
          Config(-128, 127));
  }
}

TEST_P(FakeQuantTest, PerChannelEveryAxisOf4D) {
  const int64_t dims[4] = {3, 5, 4, 37};
  const int64_t n = 3 * 5 * 4 * 37;
  const auto x = RandomData(n, 2.0f, 11);
  for (int d = 0; d < 4; ++d) {
    QdqLayout l;
    for (int k = 0; k < d; ++k) l.outer *= dims[k];
    l.axis = dims[d];
    for (int k = d + 1; k < 4; ++k) l.inner *= dims[k];
    Check(x, l, RandomParams(l.NumParams(), 0, 255, d), Config(0, 255));
    // Last-axis form: axis=1, inner=C, vary_inner.
    if (d == 3) {
      QdqLayout li;
      li.outer = n / dims[3];
      li.inner = dims[3];
      li.vary_inner = true;
      Check(x, li, RandomParams(li.NumParams(), -8, 7, 99), Config(-8, 7));
    }
  }
}

TEST_P(FakeQuantTest, PerChannelLongRuns) {
  // [C=6, 40000]: broadcast path, runs crossing chunk boundaries.
  QdqLayout l;
  l.axis = 6;
  l.inner = 40000 + 3;
  const auto x = RandomData(l.NumElements(), 5.0f, 3);
  Check(x, l, RandomParams(6, -128, 127, 4), Config(-128, 127));
}

TEST_P(FakeQuantTest, BlockwiseShortLastBlock) {
  // AIMET blockwise: [Cout=5, Cin=22, k=3] blocks of 8 along Cin (8, 8, 6).
  QdqLayout l;
  l.outer = 5;
  l.axis = 22;
  l.inner = 3;
  l.block = 8;
  l.vary_outer = true;
  const auto x = RandomData(l.NumElements(), 1.0f, 5);
  Check(x, l, RandomParams(l.NumParams(), -8, 7, 6), Config(-8, 7));
  // ONNX blockwise: scale shaped like x with the axis divided by block.
  QdqLayout lo = l;
  lo.inner = 70;
  lo.block = 4;
  lo.vary_inner = true;
  const auto x2 = RandomData(lo.NumElements(), 1.0f, 8);
  Check(x2, lo, RandomParams(lo.NumParams(), 0, 15, 9), Config(0, 15));
  // Long runs (broadcast path) with blocks.
  QdqLayout lb = l;
  lb.inner = 700;
  const auto x3 = RandomData(lb.NumElements(), 1.0f, 10);
  Check(x3, lb, RandomParams(lb.NumParams(), -128, 127, 11), Config(-128, 127));
}

// Edge values around a power-of-two scale so that .5 ties are exact.
std::vector<float> EdgeValues(float scale) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {0.0f,
                          -0.0f,
                          inf,
                          -inf,
                          std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::min(),
                          -std::numeric_limits<float>::min(),
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max(),
                          1e30f,
                          -1e30f,
                          1e-30f,
                          -1e-30f};
  uint32_t payload_nan_bits = 0x7fc12345u;
  float payload_nan;
  memcpy(&payload_nan, &payload_nan_bits, 4);
  v.push_back(payload_nan);
  for (int k = -300; k <= 300; ++k) {
    const float t = (k + 0.5f) * scale;  // exact tie
    v.push_back(t);
    v.push_back(nextafterf(t, inf));
    v.push_back(nextafterf(t, -inf));
    v.push_back(k * scale);
  }
  for (int k = 0; k < 40; ++k) v.push_back(ldexpf(1.5f, k * 6 - 120));
  for (int k = 0; k < 40; ++k) v.push_back(-ldexpf(1.25f, k * 6 - 120));
  return v;
}

TEST_P(FakeQuantTest, EdgeCasesAllBitwidths) {
  std::vector<int> bitwidths;
  for (int b = 2; b <= 16; ++b) bitwidths.push_back(b);
  bitwidths.push_back(32);
  for (int bw : bitwidths) {
    for (bool is_signed : {true, false}) {
      const double n = ldexp(1.0, bw);
      const float qmin = is_signed ? static_cast<float>(-n / 2) : 0.0f;
      const float qmax = static_cast<float>(is_signed ? n / 2 - 1 : n - 1);
      for (float scale : {0.25f, 0.1f, 1e-30f, 1e30f}) {
        for (float zp : {qmin, qmax, 0.0f, floorf((qmin + qmax) / 2)}) {
          const auto x = EdgeValues(scale);
          SCOPED_TRACE(testing::Message()
                       << "bw=" << bw << " signed=" << is_signed
                       << " scale=" << scale << " zp=" << zp);
          Check(x, PerTensorLayout(x.size()),
                {MakeQdqParam(scale, zp, qmin, qmax)}, Config(qmin, qmax));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST_P(FakeQuantTest, LibpymoStyleClipRange) {
  // Clip range not equal to the grid range (AIMET encodings' own min/max).
  QdqParam p;
  p.scale = 0.25f;
  p.zero_point = 128.0f;
  p.clip_lo = -1.0f;
  p.clip_hi = 1.0f;
  const auto x = EdgeValues(0.25f);
  Check(x, PerTensorLayout(x.size()), {p}, Config(0, 255));
}

std::string ParamName(
    const ::testing::TestParamInfo<std::tuple<Isa, RoundingMode>>& info) {
  static const char* kModes[] = {"HalfEven", "HalfAway", "Stochastic"};
  return std::string(engine::IsaName(std::get<0>(info.param))) + "_" +
         kModes[static_cast<int>(std::get<1>(info.param))];
}

INSTANTIATE_TEST_SUITE_P(
    AllIsasAllModes, FakeQuantTest,
    ::testing::Combine(::testing::Values(Isa::kScalar, Isa::kSse2, Isa::kAvx2,
                                         Isa::kAvx512),
                       ::testing::Values(RoundingMode::kHalfToEven,
                                         RoundingMode::kHalfAwayFromZero,
                                         RoundingMode::kStochastic)),
    ParamName);

}  // namespace
}  // namespace quantsim::kernels
