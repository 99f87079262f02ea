// Pooling: forward vs an independent per-output reference (double), known
// 2x2 values, backward vs central differences (inputs distinct, so no max
// ties), thread invariance, parameter validation.
#include "kernels/cpu/pool/pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Distinct(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = 0.01f * i - 0.003f * (i % 7) * i;
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  return v;
}

// Independent reference: y for each output of each plane, double sums.
std::vector<double> RefPool(const std::vector<double>& x, const Dims& xd,
                            const Dims& yd, const PoolParams& p, bool max) {
  const int r = p.spatial_rank;
  int64_t in_size = 1, out_size = 1;
  for (int i = 0; i < r; ++i) in_size *= xd.d[2 + i], out_size *= yd.d[2 + i];
  std::vector<double> y(xd.d[0] * xd.d[1] * out_size);
  for (int64_t pl = 0; pl < xd.d[0] * xd.d[1]; ++pl) {
    for (int64_t o = 0; o < out_size; ++o) {
      int64_t oi[3], rem = o;
      for (int i = r - 1; i >= 0; --i)
        oi[i] = rem % yd.d[2 + i], rem /= yd.d[2 + i];
      int64_t ktot = 1;
      for (int i = 0; i < r; ++i) ktot *= p.kernel[i];
      double acc = max ? -INFINITY : 0, cnt = 0;
      for (int64_t kk = 0; kk < ktot; ++kk) {
        int64_t ki[3], kr = kk;
        for (int i = r - 1; i >= 0; --i)
          ki[i] = kr % p.kernel[i], kr /= p.kernel[i];
        bool in = true, in_pad = true;
        int64_t flat = 0;
        for (int i = 0; i < r; ++i) {
          const int64_t pos =
              oi[i] * p.stride[i] - p.pad_begin[i] + ki[i] * p.dilation[i];
          in &= pos >= 0 && pos < xd.d[2 + i];
          in_pad &= pos < xd.d[2 + i] + p.pad_end[i];
          flat = flat * xd.d[2 + i] + pos;
        }
        if (p.count_include_pad ? in_pad : in) cnt += 1;
        if (!in) continue;
        const double v = x[pl * in_size + flat];
        acc = max ? std::max(acc, v) : acc + v;
      }
      y[pl * out_size + o] = max ? acc : acc / cnt;
    }
  }
  return y;
}

PoolParams Params(int r, std::vector<int64_t> k, std::vector<int64_t> s,
                  std::vector<int64_t> pb, std::vector<int64_t> pe,
                  std::vector<int64_t> d, bool ceil, bool inc) {
  PoolParams p;
  p.spatial_rank = r;
  for (int i = 0; i < r; ++i) {
    p.kernel[i] = k[i], p.stride[i] = s[i], p.pad_begin[i] = pb[i];
    p.pad_end[i] = pe[i], p.dilation[i] = d[i];
  }
  p.ceil_mode = ceil;
  p.count_include_pad = inc;
  return p;
}

struct Case {
  Dims x;
  PoolParams p;
};

std::vector<Case> Cases() {
  return {
      {{2, 3, 8, 8},
       Params(2, {2, 2}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, false, false)},
      {{1, 2, 7, 9},
       Params(2, {3, 2}, {2, 3}, {1, 0}, {1, 1}, {1, 1}, true, false)},
      {{1, 2, 7, 9},
       Params(2, {3, 2}, {2, 3}, {1, 0}, {1, 1}, {1, 1}, true, true)},
      {{2, 1, 11}, Params(1, {3}, {2}, {1}, {2}, {2}, false, true)},
      {{1, 2, 5, 6, 7},
       Params(3, {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, {0, 1, 1}, {2, 1, 1}, true,
              false)},
      {{1, 1, 10, 10},
       Params(2, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {2, 2}, false, true)},
  };
}

TEST(PoolTest, ForwardMatchesReference) {
  for (const Case& c : Cases()) {
    const Dims y = PoolOutputDims(c.x, c.p).value();
    const std::vector<float> x = Distinct(c.x.NumElements(), 1);
    const std::vector<double> xd(x.begin(), x.end());
    std::vector<float> ym(y.NumElements()), ya(y.NumElements());
    std::vector<int64_t> idx(y.NumElements());
    MaxPoolForward(x.data(), c.x, c.p, ym.data(), idx.data());
    AveragePoolForward(x.data(), c.x, c.p, ya.data());
    const std::vector<double> wm = RefPool(xd, c.x, y, c.p, true);
    const std::vector<double> wa = RefPool(xd, c.x, y, c.p, false);
    for (int64_t i = 0; i < y.NumElements(); ++i) {
      EXPECT_EQ(ym[i], static_cast<float>(wm[i])) << i;
      EXPECT_NEAR(ya[i], wa[i], 1e-6 * (1 + std::fabs(wa[i]))) << i;
    }
  }
}

TEST(PoolTest, KnownValues2x2) {
  const float x[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const PoolParams p =
      Params(2, {2, 2}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, false, false);
  float y[4], a[4];
  int64_t idx[4];
  MaxPoolForward(x, {1, 1, 4, 4}, p, y, idx);
  AveragePoolForward(x, {1, 1, 4, 4}, p, a);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{6, 8, 14, 16}));
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4),
            (std::vector<int64_t>{5, 7, 13, 15}));
  EXPECT_EQ(std::vector<float>(a, a + 4),
            (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
  // Global pools.
  float g[1], gm[1], dx[16];
  int64_t gi[1];
  GlobalAveragePoolForward(x, 1, 16, g);
  GlobalMaxPoolForward(x, 1, 16, gm, gi);
  EXPECT_EQ(g[0], 8.5f);
  EXPECT_EQ(gm[0], 16);
  EXPECT_EQ(gi[0], 15);
  const float one = 1;
  GlobalMaxPoolBackward(&one, gi, 1, 16, dx);
  EXPECT_EQ(dx[15], 1);
  EXPECT_EQ(dx[0], 0);
  GlobalAveragePoolBackward(&one, 1, 16, dx);
  EXPECT_EQ(dx[3], 1.0f / 16);
}

TEST(PoolTest, BackwardMatchesFiniteDifferences) {
  for (const Case& c : Cases()) {
    const Dims yd = PoolOutputDims(c.x, c.p).value();
    const int64_t n = c.x.NumElements(), m = yd.NumElements();
    const std::vector<float> x = Distinct(n, 2);
    std::vector<float> w(m);
    for (int64_t i = 0; i < m; ++i) w[i] = 1 + 0.1f * (i % 5);
    std::vector<float> y(m), dxm(n), dxa(n);
    std::vector<int64_t> idx(m);
    MaxPoolForward(x.data(), c.x, c.p, y.data(), idx.data());
    MaxPoolBackward(w.data(), idx.data(), yd, c.x, dxm.data());
    AveragePoolBackward(w.data(), c.x, c.p, dxa.data());
    std::vector<double> xd(x.begin(), x.end());
    for (bool max : {true, false}) {
      const std::vector<float>& g = max ? dxm : dxa;
      for (int64_t k = 0; k < n; ++k) {
        const double h = 1e-4, old = xd[k];
        auto loss = [&] {
          const std::vector<double> yy = RefPool(xd, c.x, yd, c.p, max);
          double l = 0;
          for (int64_t i = 0; i < m; ++i) l += w[i] * yy[i];
          return l;
        };
        xd[k] = old + h;
        const double lp = loss();
        xd[k] = old - h;
        const double lm = loss();
        xd[k] = old;
        EXPECT_NEAR(g[k], (lp - lm) / (2 * h), 1e-5) << max << " " << k;
      }
    }
    for (int t : {2, 3}) {
      engine::ThreadPool pool(t);
      std::vector<float> y2(m), d2(n), a2(n);
      std::vector<int64_t> i2(m);
      MaxPoolForward(x.data(), c.x, c.p, y2.data(), i2.data(), &pool);
      MaxPoolBackward(w.data(), i2.data(), yd, c.x, d2.data(), &pool);
      AveragePoolBackward(w.data(), c.x, c.p, a2.data(), &pool);
      EXPECT_EQ(0, std::memcmp(y2.data(), y.data(), m * 4));
      EXPECT_EQ(0, std::memcmp(d2.data(), dxm.data(), n * 4));
      EXPECT_EQ(0, std::memcmp(a2.data(), dxa.data(), n * 4));
    }
  }
}

TEST(PoolTest, RejectsBadParams) {
  const Dims x{1, 1, 4, 4};
  auto code = [&](PoolParams p, Dims d) {
    return PoolOutputDims(d, p).status().code();
  };
  const auto kBad = absl::StatusCode::kInvalidArgument;
  PoolParams p =
      Params(2, {2, 2}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false, false);
  EXPECT_TRUE(PoolOutputDims(x, p).ok());
  PoolParams q = p;
  q.kernel[0] = -1;
  EXPECT_EQ(code(q, x), kBad);
  q = p;
  q.pad_begin[1] = 2;  // >= kernel extent 2
  EXPECT_EQ(code(q, x), kBad);
  q = p;
  q.pad_end[0] = -1;
  EXPECT_EQ(code(q, x), kBad);
  q = p;
  q.stride[0] = 0;
  EXPECT_EQ(code(q, x), kBad);
  q = p;
  q.kernel[0] = 5;  // larger than the input
  EXPECT_EQ(code(q, x), kBad);
  EXPECT_EQ(code(p, Dims{1, 4, 4}), kBad);  // rank mismatch
}

}  // namespace
}  // namespace quantsim::kernels
