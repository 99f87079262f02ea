#include "kernels/cpu/norm/norm.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace quantsim::kernels {
namespace {

constexpr int64_t kGrainElems = int64_t{1} << 14;

int64_t Grain(int64_t per_item) {
  return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, per_item));
}

// Two-pass mean / biased variance of channel c over (N, S), in double.
void ChannelStats(const float* x, const BatchNormShape& s, int64_t c,
                  double* mean, double* var) {
  double sum = 0;
  for (int64_t n = 0; n < s.N; ++n) {
    const float* p = x + (n * s.C + c) * s.S;
    for (int64_t i = 0; i < s.S; ++i) sum += p[i];
  }
  const double m = sum / double(s.N * s.S);
  double sq = 0;
  for (int64_t n = 0; n < s.N; ++n) {
    const float* p = x + (n * s.C + c) * s.S;
    for (int64_t i = 0; i < s.S; ++i) sq += (p[i] - m) * (p[i] - m);
  }
  *mean = m;
  *var = sq / double(s.N * s.S);
}

}  // namespace

void BatchNormInference(const float* x, const BatchNormShape& s,
                        const float* gamma, const float* beta,
                        const float* mean, const float* var, float eps,
                        float* y, engine::ThreadPool* pool) {
  std::vector<float> a(s.C), b(s.C);
  for (int64_t c = 0; c < s.C; ++c) {
    a[c] = gamma[c] / std::sqrt(var[c] + eps);
    b[c] = beta[c] - mean[c] * a[c];
  }
  engine::ParallelFor(pool, s.N * s.C, Grain(s.S), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float ac = a[r % s.C], bc = b[r % s.C];
      const float* xp = x + r * s.S;
      float* yp = y + r * s.S;
      for (int64_t i = 0; i < s.S; ++i) yp[i] = xp[i] * ac + bc;
    }
  });
}

void BatchNormTrainingForward(const float* x, const BatchNormShape& s,
                              const float* gamma, const float* beta, float eps,
                              float momentum, bool unbiased_running_var,
                              float* y, float* saved_mean, float* saved_inv_std,
                              float* running_mean, float* running_var,
                              engine::ThreadPool* pool) {
  const int64_t m = s.N * s.S;
  engine::ParallelFor(pool, s.C, Grain(m), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      double mean, var;
      ChannelStats(x, s, c, &mean, &var);
      const double inv = 1.0 / std::sqrt(var + eps);
      saved_mean[c] = static_cast<float>(mean);
      saved_inv_std[c] = static_cast<float>(inv);
      const double g = gamma ? gamma[c] : 1.0, bt = beta ? beta[c] : 0.0;
      for (int64_t n = 0; n < s.N; ++n) {
        const float* xp = x + (n * s.C + c) * s.S;
        float* yp = y + (n * s.C + c) * s.S;
        for (int64_t i = 0; i < s.S; ++i) {
          yp[i] = static_cast<float>((xp[i] - mean) * inv * g + bt);
        }
      }
      if (running_mean) {
        running_mean[c] = static_cast<float>(
            momentum * double{running_mean[c]} + (1.0 - momentum) * mean);
      }
      if (running_var) {
        const double v =
            unbiased_running_var && m > 1 ? var * m / double(m - 1) : var;
        running_var[c] = static_cast<float>(momentum * double{running_var[c]} +
                                            (1.0 - momentum) * v);
      }
    }
  });
}

void BatchNormBackward(const float* x, const float* dy, const BatchNormShape& s,
                       const float* gamma, const float* saved_mean,
                       const float* saved_inv_std, float* dx, float* dgamma,
                       float* dbeta, engine::ThreadPool* pool) {
  const int64_t m = s.N * s.S;
  engine::ParallelFor(pool, s.C, Grain(m), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const double mean = saved_mean[c], inv = saved_inv_std[c];
      double sdy = 0, sdyx = 0;
      for (int64_t n = 0; n < s.N; ++n) {
        const int64_t off = (n * s.C + c) * s.S;
        for (int64_t i = 0; i < s.S; ++i) {
          sdy += dy[off + i];
          sdyx += dy[off + i] * ((x[off + i] - mean) * inv);
        }
      }
      if (dbeta) dbeta[c] = static_cast<float>(sdy);
      if (dgamma) dgamma[c] = static_cast<float>(sdyx);
      const double k = (gamma ? gamma[c] : 1.0) * inv / double(m);
      for (int64_t n = 0; n < s.N; ++n) {
        const int64_t off = (n * s.C + c) * s.S;
        for (int64_t i = 0; i < s.S; ++i) {
          const double xhat = (x[off + i] - mean) * inv;
          dx[off + i] = static_cast<float>(
              k * (m * double{dy[off + i]} - sdy - xhat * sdyx));
        }
      }
    }
  });
}

RowNormShape LayerNormShape(int64_t outer, int64_t inner) {
  return RowNormShape{outer, inner, 1, 1};
}

RowNormShape GroupNormShape(int64_t N, int64_t C, int64_t S, int64_t G) {
  return RowNormShape{N * G, (C / G) * S, G, S};
}

void RowNormForward(const float* x, const RowNormShape& s, const float* gamma,
                    const float* beta, float eps, float* y, float* mean,
                    float* inv_std, engine::ThreadPool* pool) {
  const int64_t per_group = s.len / s.spatial;
  engine::ParallelFor(pool, s.rows, Grain(s.len), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xp = x + r * s.len;
      float* yp = y + r * s.len;
      double sum = 0, sq = 0;
      for (int64_t j = 0; j < s.len; ++j) sum += xp[j];
      const double m = sum / double(s.len);
      for (int64_t j = 0; j < s.len; ++j) sq += (xp[j] - m) * (xp[j] - m);
      const double inv = 1.0 / std::sqrt(sq / double(s.len) + eps);
      if (mean) mean[r] = static_cast<float>(m);
      if (inv_std) inv_std[r] = static_cast<float>(inv);
      const int64_t pbase = (r % s.groups) * per_group;
      for (int64_t j = 0; j < s.len; ++j) {
        const int64_t p = pbase + j / s.spatial;
        yp[j] =
            static_cast<float>((xp[j] - m) * inv * (gamma ? gamma[p] : 1.0) +
                               (beta ? beta[p] : 0.0));
      }
    }
  });
}

void RowNormBackward(const float* x, const float* dy, const RowNormShape& s,
                     const float* gamma, const float* mean,
                     const float* inv_std, float* dx, float* dgamma,
                     float* dbeta, engine::ThreadPool* pool) {
  const int64_t per_group = s.len / s.spatial;
  engine::ParallelFor(pool, s.rows, Grain(s.len), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xp = x + r * s.len;
      const float* gp = dy + r * s.len;
      const double m = mean[r], inv = inv_std[r];
      const int64_t pbase = (r % s.groups) * per_group;
      double sg = 0, sgx = 0;
      for (int64_t j = 0; j < s.len; ++j) {
        const double g = gp[j] * (gamma ? gamma[pbase + j / s.spatial] : 1.0);
        sg += g;
        sgx += g * ((xp[j] - m) * inv);
      }
      sg /= double(s.len);
      sgx /= double(s.len);
      for (int64_t j = 0; j < s.len; ++j) {
        const double g = gp[j] * (gamma ? gamma[pbase + j / s.spatial] : 1.0);
        const double xhat = (xp[j] - m) * inv;
        dx[r * s.len + j] = static_cast<float>(inv * (g - sg - xhat * sgx));
      }
    }
  });
  if (!dgamma && !dbeta) return;
  // Parameter p = g * per_group + q collects rows g, g + G, ... at positions
  // [q * spatial, (q + 1) * spatial), in row order.
  engine::ParallelFor(pool, s.NumParams(), Grain(s.rows * s.spatial / s.groups),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t p = lo; p < hi; ++p) {
                          const int64_t g = p / per_group, q = p % per_group;
                          double sdy = 0, sdyx = 0;
                          for (int64_t r = g; r < s.rows; r += s.groups) {
                            const double m = mean[r], inv = inv_std[r];
                            for (int64_t j = q * s.spatial;
                                 j < (q + 1) * s.spatial; ++j) {
                              const int64_t k = r * s.len + j;
                              sdy += dy[k];
                              sdyx += dy[k] * ((x[k] - m) * inv);
                            }
                          }
                          if (dgamma) dgamma[p] = static_cast<float>(sdyx);
                          if (dbeta) dbeta[p] = static_cast<float>(sdy);
                        }
                      });
}

absl::Status CheckBatchNormArgs(const BatchNormShape& s, float eps,
                                float momentum) {
  if (s.N < 1 || s.C < 1 || s.S < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("BatchNorm: bad shape N=", s.N, " C=", s.C, " S=", s.S));
  }
  if (!(eps > 0) || !std::isfinite(eps)) {
    return absl::InvalidArgumentError("BatchNorm: epsilon must be > 0");
  }
  if (!(momentum >= 0 && momentum <= 1)) {
    return absl::InvalidArgumentError("BatchNorm: momentum outside [0, 1]");
  }
  return absl::OkStatus();
}

absl::Status CheckGroupNormArgs(int64_t N, int64_t C, int64_t S, int64_t G,
                                float eps) {
  if (N < 1 || C < 1 || S < 1 || G < 1 || C % G != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GroupNorm: bad shape N=", N, " C=", C, " S=", S, " groups=", G));
  }
  if (!(eps > 0) || !std::isfinite(eps)) {
    return absl::InvalidArgumentError("GroupNorm: epsilon must be > 0");
  }
  return absl::OkStatus();
}

absl::Status CheckLayerNormArgs(int64_t outer, int64_t inner, float eps) {
  if (outer < 1 || inner < 1) {
    return absl::InvalidArgumentError("LayerNorm: bad shape");
  }
  if (!(eps > 0) || !std::isfinite(eps)) {
    return absl::InvalidArgumentError("LayerNorm: epsilon must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
