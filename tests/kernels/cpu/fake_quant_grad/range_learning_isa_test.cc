// Range-learning backward: every Isa against the scalar reference, thread
// counts, and per-channel layouts against per-tensor runs channel by channel.
#include <math.h>
#include <string.h>

#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "tests/kernels/cpu/fake_quant_grad/test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;

struct Result {
  std::vector<float> dx, x_hat;
  std::vector<RangeGradSums> sums;
};

Result RunSums(const std::vector<float>& x, const std::vector<float>& g,
               const QdqLayout& l, const std::vector<RangeGradGrid>& grids,
               bool half_even, engine::ThreadPool* pool, Isa isa,
               int64_t chunk) {
  Result r;
  r.dx.assign(x.size(), 42.0f);
  r.x_hat.assign(x.size(), 42.0f);
  r.sums.resize(l.axis);
  RangeLearnBackwardSums(x.data(), g.data(), l, grids.data(), half_even,
                         r.dx.data(), r.x_hat.data(), r.sums.data(), pool, isa,
                         chunk);
  return r;
}

// sum |g d| and sum |g| of one channel's elements, for the tolerance of
// range_learning_backward.h: |G_simd - G_scalar| <= 2 (chunk - 1) 2^-53 sum.
RangeGradSums AbsSums(const std::vector<float>& x, const std::vector<float>& g,
                      const QdqLayout& l, const RangeGradGrid& p, bool he,
                      int64_t a) {
  RangeGradSums acc;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t i = 0; i < l.inner; ++i) {
      const int64_t e = (o * l.axis + a) * l.inner + i;
      RangeGradSums one;
      RangeGradElement(x[e], fabsf(g[e]), p, he, nullptr, nullptr, &one);
      acc.s += fabs(one.s);
      acc.o += fabsf(g[e]);
    }
  }
  return acc;
}

struct Case {
  QdqLayout layout;
  RangeGradConfig config;
};

std::vector<Case> Cases() {
  std::vector<Case> s;
  QdqLayout per_tensor = PerTensorLayout(100003);
  QdqLayout axis1;  // [3, 4, 70, 90] per channel on axis 1
  axis1.outer = 3;
  axis1.axis = 4;
  axis1.inner = 70 * 90;
  QdqLayout axis0;  // [5, 7, 3, 11] per channel on axis 0
  axis0.axis = 5;
  axis0.inner = 7 * 3 * 11;
  QdqLayout last;  // [13, 9] per channel on the last axis: inner = 1
  last.outer = 13;
  last.axis = 9;
  for (const QdqLayout& l : {per_tensor, axis1, axis0, last}) {
    s.push_back({l, V2RangeGradConfig(8, false)});
    s.push_back({l, V2RangeGradConfig(4, true)});
    s.push_back({l, AimetV1RangeGradConfig(8, false)});
    s.push_back({l, AimetV1RangeGradConfig(3, true, true)});
  }
  return s;
}

void MakeData(const Case& s, std::vector<float>* x, std::vector<float>* g,
              std::vector<float>* mn, std::vector<float>* mx,
              std::vector<RangeGradGrid>* grids) {
  const int64_t n = s.layout.NumElements();
  *x = testing::Uniform(n, -3.0f, 4.0f, 3 + n);
  *g = testing::Uniform(n, -1.0f, 1.0f, 9 + n);
  mn->clear();
  mx->clear();
  grids->clear();
  for (int64_t a = 0; a < s.layout.axis; ++a) {
    mn->push_back(-1.0f - 0.37f * a);
    mx->push_back(1.5f + 0.21f * a);
    grids->push_back(MakeRangeGradGrid(mn->back(), mx->back(), s.config));
  }
  // Ties, edges and extremes of channel 0's grid (finite: the sums must be).
  const RangeGradGrid& p = (*grids)[0];
  const float specials[] = {0.5f * p.scale,
                            -1.5f * p.scale,
                            (p.qlo + p.offset) * p.scale,
                            (p.qhi + p.offset) * p.scale,
                            (p.qlo + p.offset - 0.5f) * p.scale,
                            (p.qhi + p.offset + 0.5f) * p.scale,
                            -0.0f,
                            3e38f,
                            -3e38f,
                            1e-40f};
  for (size_t i = 0, j = 0; i < x->size(); i += 5, ++j) {
    (*x)[i] = specials[j % 10];
  }
}

class RangeIsaTest : public ::testing::TestWithParam<Isa> {};

TEST_P(RangeIsaTest, MatchesScalarAndIsThreadInvariant) {
  const Isa isa = GetParam();
  if (!engine::IsaSupported(isa)) GTEST_SKIP() << engine::IsaName(isa);
  for (const Case& s : Cases()) {
    SCOPED_TRACE(testing::Describe(s.layout, s.config));
    std::vector<float> x, g, mn, mx;
    std::vector<RangeGradGrid> grids;
    MakeData(s, &x, &g, &mn, &mx, &grids);
    const bool he = s.config.rounding == RoundingMode::kHalfToEven;
    for (int64_t chunk : {int64_t{1000}, kRangeGradChunk}) {
      const Result want =
          RunSums(x, g, s.layout, grids, he, nullptr, Isa::kScalar, chunk);
      const Result got =
          RunSums(x, g, s.layout, grids, he, nullptr, isa, chunk);
      testing::ExpectBitEqual(want.dx, got.dx, "dx");
      testing::ExpectBitEqual(want.x_hat, got.x_hat, "x_hat");
      for (int64_t a = 0; a < s.layout.axis; ++a) {
        const RangeGradSums abs = AbsSums(x, g, s.layout, grids[a], he, a);
        const double k = 2.0 * (chunk - 1) * ldexp(1.0, -53);
        EXPECT_NEAR(got.sums[a].s, want.sums[a].s, k * abs.s)
            << "channel " << a;
        EXPECT_NEAR(got.sums[a].o, want.sums[a].o, k * abs.o)
            << "channel " << a;
      }
      // Threads: bit-identical sums (and outputs) for 1, 2, 3 threads.
      for (int threads : {1, 2, 3}) {
        engine::ThreadPool pool(threads);
        const Result t = RunSums(x, g, s.layout, grids, he, &pool, isa, chunk);
        testing::ExpectBitEqual(got.dx, t.dx, "dx threads");
        testing::ExpectBitEqual(got.x_hat, t.x_hat, "x_hat threads");
        ASSERT_EQ(0, memcmp(got.sums.data(), t.sums.data(),
                            got.sums.size() * sizeof(RangeGradSums)))
            << threads << " threads";
      }
    }
  }
}

TEST_P(RangeIsaTest, NanInputGivesNanSumsAndZeroDx) {
  const Isa isa = GetParam();
  if (!engine::IsaSupported(isa)) GTEST_SKIP() << engine::IsaName(isa);
  std::vector<float> x = testing::Uniform(37, -1.0f, 1.0f, 1);
  std::vector<float> g(37, 1.0f);
  x[20] = NAN;
  const std::vector<RangeGradGrid> grids = {
      MakeRangeGradGrid(-1.0f, 1.0f, V2RangeGradConfig(8, false))};
  const Result want = RunSums(x, g, PerTensorLayout(37), grids, true, nullptr,
                              Isa::kScalar, kRangeGradChunk);
  const Result got = RunSums(x, g, PerTensorLayout(37), grids, true, nullptr,
                             isa, kRangeGradChunk);
  testing::ExpectBitEqual(want.dx, got.dx, "dx");
  testing::ExpectBitEqual(want.x_hat, got.x_hat, "x_hat");
  EXPECT_EQ(got.dx[20], 0.0f);
  EXPECT_TRUE(isnan(got.x_hat[20]));
  EXPECT_TRUE(isnan(got.sums[0].s));
}

// Per-channel sums equal per-tensor sums of each channel's elements gathered
// into a contiguous tensor, in the same (o, i) order: bit-exact for the
// scalar Isa (same chunks, same order), within the Isa tolerance otherwise.
TEST_P(RangeIsaTest, PerChannelEqualsPerTensorChannelByChannel) {
  const Isa isa = GetParam();
  if (!engine::IsaSupported(isa)) GTEST_SKIP() << engine::IsaName(isa);
  for (const Case& s : Cases()) {
    if (s.layout.axis == 1) continue;
    SCOPED_TRACE(testing::Describe(s.layout, s.config));
    std::vector<float> x, g, mn, mx;
    std::vector<RangeGradGrid> grids;
    MakeData(s, &x, &g, &mn, &mx, &grids);
    const int64_t chunk = 1000;
    const int64_t channels = s.layout.axis;
    std::vector<float> dx(x.size()), x_hat(x.size()), dmin(channels),
        dmax(channels);
    engine::ThreadPool pool(2);
    RangeLearnBackward(x.data(), g.data(), s.layout, mn.data(), mx.data(),
                       s.config, dx.data(), dmin.data(), dmax.data(),
                       x_hat.data(), &pool, isa, chunk);
    for (int64_t a = 0; a < channels; ++a) {
      std::vector<float> cx, cg, cdx_want, cxh_want;
      for (int64_t o = 0; o < s.layout.outer; ++o) {
        for (int64_t i = 0; i < s.layout.inner; ++i) {
          const int64_t e = (o * channels + a) * s.layout.inner + i;
          cx.push_back(x[e]);
          cg.push_back(g[e]);
          cdx_want.push_back(dx[e]);
          cxh_want.push_back(x_hat[e]);
        }
      }
      std::vector<float> cdx(cx.size()), cxh(cx.size());
      float cmin = 0.0f, cmax = 0.0f;
      RangeLearnBackward(cx.data(), cg.data(), PerTensorLayout(cx.size()),
                         &mn[a], &mx[a], s.config, cdx.data(), &cmin, &cmax,
                         cxh.data(), nullptr, isa, chunk);
      testing::ExpectBitEqual(cdx_want, cdx, "dx");
      testing::ExpectBitEqual(cxh_want, cxh, "x_hat");
      if (isa == Isa::kScalar) {
        EXPECT_EQ(testing::Bits(dmin[a]), testing::Bits(cmin)) << a;
        EXPECT_EQ(testing::Bits(dmax[a]), testing::Bits(cmax)) << a;
      } else {
        // SIMD runs break at inner boundaries in the per-channel walk: the
        // double sums differ by at most k sum|term| (header bound), scaled by
        // the chain coefficients, then each side rounds once to float.
        const RangeGradSums abs =
            AbsSums(x, g, s.layout, grids[a],
                    s.config.rounding == RoundingMode::kHalfToEven, a);
        const double k = 2.0 * (chunk - 1) * ldexp(1.0, -53);
        const RangeGradGrid& p = grids[a];
        const double tmin =
            ldexp(fabs(cmin), -23) +
            k * (fabs(p.dmin_ds) * abs.s + fabs(p.dmin_dso) * abs.o);
        const double tmax =
            ldexp(fabs(cmax), -23) +
            k * (fabs(p.dmax_ds) * abs.s + fabs(p.dmax_dso) * abs.o);
        EXPECT_NEAR(dmin[a], cmin, tmin) << a;
        EXPECT_NEAR(dmax[a], cmax, tmax) << a;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, RangeIsaTest,
                         ::testing::ValuesIn(testing::AllIsas()),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(engine::IsaName(info.param));
                         });

}  // namespace
}  // namespace quantsim::kernels
