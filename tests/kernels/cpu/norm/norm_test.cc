// Normalization kernels: forward vs double formulas, backward (x, gamma,
// beta) vs central differences in double, running statistics, thread
// invariance, checks. Tolerance: statistics are double, so outputs are
// within a few float roundings: 1e-6 (1 + |y|) forward, 1e-5 (1 + |g|) for
// gradients (finite differences with h = 1e-5 on O(1) data).
#include "kernels/cpu/norm/norm.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Rand(int64_t n, uint32_t seed, float lo = -2, float hi = 3) {
  return testing::UniformFloats(n, seed, lo, hi);
}

// Double BatchNorm training forward.
std::vector<double> BnD(const std::vector<double>& x, const BatchNormShape& s,
                        const std::vector<double>& g,
                        const std::vector<double>& b, double eps) {
  std::vector<double> y(x.size());
  const double m = s.N * s.S;
  for (int64_t c = 0; c < s.C; ++c) {
    double mu = 0, var = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t i = 0; i < s.S; ++i) mu += x[(n * s.C + c) * s.S + i];
    mu /= m;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t i = 0; i < s.S; ++i)
        var += std::pow(x[(n * s.C + c) * s.S + i] - mu, 2);
    var /= m;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t k = (n * s.C + c) * s.S + i;
        y[k] = (x[k] - mu) / std::sqrt(var + eps) * g[c] + b[c];
      }
  }
  return y;
}

// Double row norm forward.
std::vector<double> RowD(const std::vector<double>& x, const RowNormShape& s,
                         const std::vector<double>& g,
                         const std::vector<double>& b, double eps) {
  std::vector<double> y(x.size());
  const int64_t pg = s.len / s.spatial;
  for (int64_t r = 0; r < s.rows; ++r) {
    double mu = 0, var = 0;
    for (int64_t j = 0; j < s.len; ++j) mu += x[r * s.len + j];
    mu /= s.len;
    for (int64_t j = 0; j < s.len; ++j)
      var += std::pow(x[r * s.len + j] - mu, 2);
    var /= s.len;
    for (int64_t j = 0; j < s.len; ++j) {
      const int64_t p = (r % s.groups) * pg + j / s.spatial;
      y[r * s.len + j] =
          (x[r * s.len + j] - mu) / std::sqrt(var + eps) * g[p] + b[p];
    }
  }
  return y;
}

double Dot(const std::vector<double>& a, const std::vector<float>& w) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * w[i];
  return s;
}

// Checks grad (float) of L = sum w f(v) w.r.t. v by central differences.
template <typename F>
void CheckGrad(std::vector<double>* v, const std::vector<float>& grad, F loss,
               const char* what) {
  for (size_t k = 0; k < v->size(); ++k) {
    const double h = 1e-5, old = (*v)[k];
    (*v)[k] = old + h;
    const double lp = loss();
    (*v)[k] = old - h;
    const double lm = loss();
    (*v)[k] = old;
    const double fd = (lp - lm) / (2 * h);
    EXPECT_NEAR(grad[k], fd, 1e-5 * (1 + std::fabs(fd)))
        << what << "[" << k << "]";
  }
}

TEST(BatchNormTest, TrainingForwardBackwardAndRunningStats) {
  const BatchNormShape s{3, 4, 5};
  const int64_t n = s.N * s.C * s.S;
  const float eps = 1e-3f;
  ASSERT_TRUE(CheckBatchNormArgs(s, eps, 0.9f).ok());
  const std::vector<float> x = Rand(n, 1), w = Rand(n, 2, -1, 1);
  const std::vector<float> g = Rand(s.C, 3, 0.5f, 1.5f), b = Rand(s.C, 4);
  std::vector<float> y(n), mean(s.C), inv(s.C), rm(s.C, 0.5f), rv(s.C, 2.0f);
  BatchNormTrainingForward(x.data(), s, g.data(), b.data(), eps, 0.9f, true,
                           y.data(), mean.data(), inv.data(), rm.data(),
                           rv.data());
  std::vector<double> xd(x.begin(), x.end()), gd(g.begin(), g.end()),
      bd(b.begin(), b.end());
  const std::vector<double> yd = BnD(xd, s, gd, bd, eps);
  for (int64_t k = 0; k < n; ++k)
    EXPECT_NEAR(y[k], yd[k], 1e-6 * (1 + std::fabs(yd[k])));
  for (int64_t c = 0; c < s.C; ++c) {
    double mu = 0, var = 0;
    for (int64_t nn = 0; nn < s.N; ++nn)
      for (int64_t i = 0; i < s.S; ++i) mu += x[(nn * s.C + c) * s.S + i];
    mu /= 15;
    for (int64_t nn = 0; nn < s.N; ++nn)
      for (int64_t i = 0; i < s.S; ++i)
        var += std::pow(x[(nn * s.C + c) * s.S + i] - mu, 2);
    EXPECT_NEAR(rm[c], 0.9 * 0.5 + 0.1 * mu, 1e-6);
    EXPECT_NEAR(rv[c], 0.9 * 2.0 + 0.1 * var / 14, 1e-6);  // unbiased
  }
  std::vector<float> dx(n), dg(s.C), db(s.C);
  BatchNormBackward(x.data(), w.data(), s, g.data(), mean.data(), inv.data(),
                    dx.data(), dg.data(), db.data());
  auto loss = [&] { return Dot(BnD(xd, s, gd, bd, eps), w); };
  CheckGrad(&xd, dx, loss, "dx");
  CheckGrad(&gd, dg, loss, "dgamma");
  CheckGrad(&bd, db, loss, "dbeta");
}

TEST(BatchNormTest, InferenceAndThreads) {
  const BatchNormShape s{2, 16, 1000};
  const int64_t n = s.N * s.C * s.S;
  const std::vector<float> x = Rand(n, 5), g = Rand(s.C, 6), b = Rand(s.C, 7),
                           mu = Rand(s.C, 8), var = Rand(s.C, 9, 0.1f, 2);
  std::vector<float> y1(n), y3(n);
  BatchNormInference(x.data(), s, g.data(), b.data(), mu.data(), var.data(),
                     1e-5f, y1.data());
  engine::ThreadPool pool(3);
  BatchNormInference(x.data(), s, g.data(), b.data(), mu.data(), var.data(),
                     1e-5f, y3.data(), &pool);
  EXPECT_EQ(0, std::memcmp(y1.data(), y3.data(), n * 4));
  for (int64_t k = 0; k < n; k += 37) {
    const int64_t c = (k / s.S) % s.C;
    const double want =
        (x[k] - double{mu[c]}) / std::sqrt(double{var[c]} + 1e-5) * g[c] + b[c];
    // Folded scale/shift in float: a few roundings of O(|x a| + |b|).
    EXPECT_NEAR(y1[k], want,
                1e-6 * (1 + std::fabs(x[k] * g[c] / std::sqrt(var[c])) +
                        std::fabs(want)));
  }
  EXPECT_EQ(CheckBatchNormArgs({1, 0, 1}, 1e-5f, 0.9f).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckBatchNormArgs(s, 0, 0.9f).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckBatchNormArgs(s, 1e-5f, 1.5f).code(),
            absl::StatusCode::kInvalidArgument);
}

void CheckRowNorm(const RowNormShape& s, const char* name) {
  SCOPED_TRACE(name);
  const int64_t n = s.rows * s.len, p = s.NumParams();
  const float eps = 1e-4f;
  const std::vector<float> x = Rand(n, 11), w = Rand(n, 12, -1, 1);
  const std::vector<float> g = Rand(p, 13, 0.5f, 1.5f), b = Rand(p, 14);
  std::vector<float> y(n), mean(s.rows), inv(s.rows);
  RowNormForward(x.data(), s, g.data(), b.data(), eps, y.data(), mean.data(),
                 inv.data());
  std::vector<double> xd(x.begin(), x.end()), gd(g.begin(), g.end()),
      bd(b.begin(), b.end());
  const std::vector<double> yd = RowD(xd, s, gd, bd, eps);
  for (int64_t k = 0; k < n; ++k)
    EXPECT_NEAR(y[k], yd[k], 1e-6 * (1 + std::fabs(yd[k])));
  std::vector<float> dx(n), dg(p), db(p);
  RowNormBackward(x.data(), w.data(), s, g.data(), mean.data(), inv.data(),
                  dx.data(), dg.data(), db.data());
  auto loss = [&] { return Dot(RowD(xd, s, gd, bd, eps), w); };
  CheckGrad(&xd, dx, loss, "dx");
  CheckGrad(&gd, dg, loss, "dgamma");
  CheckGrad(&bd, db, loss, "dbeta");
  for (int t : {2, 3}) {
    engine::ThreadPool pool(t);
    std::vector<float> y2(n), dx2(n), dg2(p), db2(p), m2(s.rows), i2(s.rows);
    RowNormForward(x.data(), s, g.data(), b.data(), eps, y2.data(), m2.data(),
                   i2.data(), &pool);
    RowNormBackward(x.data(), w.data(), s, g.data(), m2.data(), i2.data(),
                    dx2.data(), dg2.data(), db2.data(), &pool);
    EXPECT_EQ(0, std::memcmp(y.data(), y2.data(), n * 4));
    EXPECT_EQ(0, std::memcmp(dx.data(), dx2.data(), n * 4));
    EXPECT_EQ(0, std::memcmp(dg.data(), dg2.data(), p * 4));
  }
}

TEST(RowNormTest, LayerGroupInstance) {
  CheckRowNorm(LayerNormShape(5, 7), "LayerNorm");
  CheckRowNorm(GroupNormShape(2, 6, 5, 3), "GroupNorm");
  CheckRowNorm(GroupNormShape(2, 4, 9, 4), "InstanceNorm");
  CheckRowNorm(GroupNormShape(3, 4, 1, 1), "GroupNorm G=1 S=1");
  EXPECT_EQ(CheckGroupNormArgs(2, 6, 5, 4, 1e-5f).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckLayerNormArgs(2, 0, 1e-5f).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckGroupNormArgs(2, 6, 5, 3, 1e-5f).ok());
}

}  // namespace
}  // namespace quantsim::kernels
