#include "train/optimizer_kernels.h"

#include <cmath>

namespace quantsim::train {
namespace {

// The loops below are plain and branch-free inside so that the compiler
// vectorises them (-O3; sqrt without errno via -fno-math-errno).

template <bool kWd, bool kMomentum, bool kFirst, bool kNesterov>
void SgdRange(float* __restrict p, const float* __restrict g,
              float* __restrict buf, int64_t n, const SgdScalars& s) {
  const float wd = s.weight_decay, mu = s.momentum;
  const float omd = s.one_minus_dampening, neg_lr = s.neg_lr;
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i];
    if (kWd) d = d + wd * p[i];
    if (kMomentum) {
      const float b = kFirst ? d : buf[i] * mu + omd * d;
      buf[i] = b;
      d = kNesterov ? d + mu * b : b;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

using SgdFn = void (*)(float*, const float*, float*, int64_t,
                       const SgdScalars&);

template <bool kWd>
SgdFn PickSgd(const SgdScalars& s) {
  if (s.momentum == 0.0f) return &SgdRange<kWd, false, false, false>;
  if (s.first) {
    return s.nesterov ? &SgdRange<kWd, true, true, true>
                      : &SgdRange<kWd, true, true, false>;
  }
  return s.nesterov ? &SgdRange<kWd, true, false, true>
                    : &SgdRange<kWd, true, false, false>;
}

// kDecay: 0 none, 1 L2 on the gradient (Adam), 2 decoupled (AdamW).
template <bool kAmsgrad, int kDecay>
void AdamRange(float* __restrict p, const float* __restrict g,
               float* __restrict m, float* __restrict v, float* __restrict vmax,
               int64_t n, const AdamScalars& s) {
  const float wd = s.weight_decay, decay = s.decay_factor;
  const float b1 = s.beta1, omb1 = s.one_minus_beta1;
  const float b2 = s.beta2, omb2 = s.one_minus_beta2;
  const float nss = s.neg_step_size, bc2 = s.bias_correction2_sqrt;
  const float eps = s.eps;
  for (int64_t i = 0; i < n; ++i) {
    float pi = p[i];
    float gi = g[i];
    if (kDecay == 2) pi = pi * decay;
    if (kDecay == 1) gi = gi + wd * pi;
    const float mi = m[i] * b1 + omb1 * gi;
    const float vi = v[i] * b2 + (omb2 * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    float vh = vi;
    if (kAmsgrad) {
      vh = vmax[i] > vi ? vmax[i] : vi;  // torch.maximum (NaN aside)
      vmax[i] = vh;
    }
    const float denom = std::sqrt(vh) / bc2 + eps;
    p[i] = pi + (nss * mi) / denom;
  }
}

using AdamFn = void (*)(float*, const float*, float*, float*, float*, int64_t,
                        const AdamScalars&);

template <bool kAmsgrad>
AdamFn PickAdam(const AdamScalars& s) {
  if (s.decay_factor != 1.0f) return &AdamRange<kAmsgrad, 2>;
  if (s.weight_decay != 0.0f) return &AdamRange<kAmsgrad, 1>;
  return &AdamRange<kAmsgrad, 0>;
}

}  // namespace

void SgdUpdate(float* p, const float* g, float* buf, int64_t n,
               const SgdScalars& s, engine::ThreadPool* pool) {
  const SgdFn fn =
      s.weight_decay != 0.0f ? PickSgd<true>(s) : PickSgd<false>(s);
  engine::ParallelFor(pool, n, kOptimizerGrain, [&](int64_t b, int64_t e) {
    fn(p + b, g + b, buf == nullptr ? nullptr : buf + b, e - b, s);
  });
}

void AdamUpdate(float* p, const float* g, float* m, float* v, float* vmax,
                int64_t n, const AdamScalars& s, engine::ThreadPool* pool) {
  const AdamFn fn = vmax != nullptr ? PickAdam<true>(s) : PickAdam<false>(s);
  engine::ParallelFor(pool, n, kOptimizerGrain, [&](int64_t b, int64_t e) {
    fn(p + b, g + b, m + b, v + b, vmax == nullptr ? nullptr : vmax + b, e - b,
       s);
  });
}

}  // namespace quantsim::train
