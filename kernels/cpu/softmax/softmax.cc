#include "kernels/cpu/softmax/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace quantsim::kernels {
namespace {

constexpr int64_t kGrainElems = int64_t{1} << 14;

int64_t OuterGrain(const AxisView& v) {
  return std::max<int64_t>(1,
                           kGrainElems / std::max<int64_t>(1, v.n * v.inner));
}

// Softmax of one [n, inner] slab (strided rows), scratch of inner doubles.
void SlabForward(const float* x, const AxisView& v, float* y, bool log,
                 std::vector<float>* mx, std::vector<double>* sum) {
  const int64_t n = v.n, in = v.inner;
  mx->assign(in, -std::numeric_limits<float>::infinity());
  sum->assign(in, 0.0);
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t i = 0; i < in; ++i) {
      const float t = x[a * in + i];
      float& m = (*mx)[i];
      m = (t > m || t != t) ? t : m;
    }
  }
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t i = 0; i < in; ++i) {
      const float e = std::exp(x[a * in + i] - (*mx)[i]);
      (*sum)[i] += e;
      if (!log) y[a * in + i] = e;
    }
  }
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t i = 0; i < in; ++i) {
      if (log) {
        y[a * in + i] = (x[a * in + i] - (*mx)[i]) -
                        static_cast<float>(std::log((*sum)[i]));
      } else {
        y[a * in + i] = y[a * in + i] / static_cast<float>((*sum)[i]);
      }
    }
  }
}

float Scale(LossReduction r, const float* dloss, int64_t idx, double count) {
  if (r == LossReduction::kNone) return dloss[idx];
  if (r == LossReduction::kSum) return dloss[0];
  return static_cast<float>(dloss[0] / count);
}

}  // namespace

void SoftmaxForward(const float* x, const AxisView& v, float* y, bool log,
                    engine::ThreadPool* pool) {
  const int64_t slab = v.n * v.inner;
  engine::ParallelFor(pool, v.outer, OuterGrain(v), [&](int64_t b, int64_t e) {
    std::vector<float> mx;
    std::vector<double> sum;
    for (int64_t o = b; o < e; ++o) {
      SlabForward(x + o * slab, v, y + o * slab, log, &mx, &sum);
    }
  });
}

void SoftmaxBackward(const float* y, const float* dy, const AxisView& v,
                     float* dx, bool log, engine::ThreadPool* pool) {
  const int64_t slab = v.n * v.inner, n = v.n, in = v.inner;
  engine::ParallelFor(pool, v.outer, OuterGrain(v), [&](int64_t b, int64_t e) {
    std::vector<double> s(in);
    for (int64_t o = b; o < e; ++o) {
      const float* yo = y + o * slab;
      const float* go = dy + o * slab;
      float* dxo = dx + o * slab;
      std::fill(s.begin(), s.end(), 0.0);
      for (int64_t a = 0; a < n; ++a) {
        for (int64_t i = 0; i < in; ++i) {
          s[i] += log ? double{go[a * in + i]}
                      : double{go[a * in + i]} * yo[a * in + i];
        }
      }
      for (int64_t a = 0; a < n; ++a) {
        for (int64_t i = 0; i < in; ++i) {
          const int64_t k = a * in + i;
          const float si = static_cast<float>(s[i]);
          dxo[k] = log ? go[k] - std::exp(yo[k]) * si : yo[k] * (go[k] - si);
        }
      }
    }
  });
}

void SoftmaxCrossEntropyForward(const float* logits, const int64_t* labels,
                                int64_t N, int64_t C, int64_t D,
                                int64_t ignore_index, LossReduction reduction,
                                float* loss, float* log_prob,
                                engine::ThreadPool* pool) {
  const AxisView v{N, C, D};
  std::vector<float> own;
  if (log_prob == nullptr) {
    own.resize(N * C * D);
    log_prob = own.data();
  }
  SoftmaxForward(logits, v, log_prob, /*log=*/true, pool);
  double total = 0;
  int64_t count = 0;
  for (int64_t s = 0; s < N * D; ++s) {
    const int64_t n = s / D, d = s % D, lab = labels[s];
    double l = 0;
    if (lab != ignore_index) {
      l = -double{log_prob[(n * C + lab) * D + d]};
      ++count;
    }
    if (reduction == LossReduction::kNone) loss[s] = static_cast<float>(l);
    total += l;
  }
  if (reduction == LossReduction::kSum) loss[0] = static_cast<float>(total);
  if (reduction == LossReduction::kMean) {
    loss[0] = count > 0 ? static_cast<float>(total / count)
                        : std::numeric_limits<float>::quiet_NaN();
  }
}

void SoftmaxCrossEntropyBackward(const float* logits, const int64_t* labels,
                                 int64_t N, int64_t C, int64_t D,
                                 int64_t ignore_index, LossReduction reduction,
                                 const float* dloss, float* dlogits,
                                 engine::ThreadPool* pool) {
  SoftmaxForward(logits, AxisView{N, C, D}, dlogits, /*log=*/false, pool);
  int64_t count = 0;
  for (int64_t s = 0; s < N * D; ++s) count += labels[s] != ignore_index;
  engine::ParallelFor(pool, N * D, kGrainElems / std::max<int64_t>(1, C) + 1,
                      [&](int64_t b, int64_t e) {
                        for (int64_t s = b; s < e; ++s) {
                          const int64_t n = s / D, d = s % D, lab = labels[s];
                          const float g =
                              lab == ignore_index
                                  ? 0.0f
                                  : Scale(reduction, dloss, s, double(count));
                          for (int64_t c = 0; c < C; ++c) {
                            float& p = dlogits[(n * C + c) * D + d];
                            p = ((c == lab ? p - 1.0f : p)) * g;
                          }
                        }
                      });
}

void MseForward(const float* a, const float* b, int64_t n,
                LossReduction reduction, float* loss) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float d = a[i] - b[i];
    if (reduction == LossReduction::kNone) loss[i] = d * d;
    total += double{d} * d;
  }
  if (reduction == LossReduction::kSum) loss[0] = static_cast<float>(total);
  if (reduction == LossReduction::kMean) {
    loss[0] = static_cast<float>(total / n);
  }
}

void MseBackward(const float* a, const float* b, int64_t n,
                 LossReduction reduction, const float* dloss, float* da) {
  for (int64_t i = 0; i < n; ++i) {
    da[i] = 2.0f * (a[i] - b[i]) * Scale(reduction, dloss, i, double(n));
  }
}

absl::Status CheckAxisView(const AxisView& v) {
  if (v.outer < 0 || v.n < 1 || v.inner < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "softmax: bad view [", v.outer, ", ", v.n, ", ", v.inner, "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckSoftmaxCrossEntropyArgs(const int64_t* labels, int64_t N,
                                          int64_t C, int64_t D,
                                          int64_t ignore_index,
                                          LossReduction reduction) {
  const int r = static_cast<int>(reduction);
  if (r < 0 || r > 2) {
    return absl::InvalidArgumentError("SoftmaxCrossEntropy: bad reduction");
  }
  if (N < 0 || C < 1 || D < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SoftmaxCrossEntropy: bad sizes N=", N, " C=", C, " D=", D));
  }
  for (int64_t s = 0; s < N * D; ++s) {
    if (labels[s] != ignore_index && (labels[s] < 0 || labels[s] >= C)) {
      return absl::InvalidArgumentError(
          absl::StrCat("SoftmaxCrossEntropy: label ", labels[s], " at ", s,
                       " outside [0, ", C, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
