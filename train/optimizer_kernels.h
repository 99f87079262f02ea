// quantsim train: element-wise optimizer updates on contiguous f32 arrays.
//
// Contract:
//  - Each function updates `n` elements in place, element i depending only
//    on element i of its arguments, so results are identical for any
//    chunking or thread count. Large arrays are split into fixed chunks of
//    kOptimizerGrain elements and run through engine::ParallelFor (`pool`
//    may be null: serial).
//  - The arithmetic is PyTorch's single-tensor (foreach=False) update, one
//    IEEE f32 operation per torch tensor op, in torch's order, with no FMA
//    contraction (the TU is built with -ffp-contract=off). Scalars are
//    computed in double by the caller (as torch does in Python) and passed
//    as f32.
//  - Pointers must not alias each other, except that arrays a caller does
//    not use may be null (see each function).
#ifndef QUANTSIM_TRAIN_OPTIMIZER_KERNELS_H_
#define QUANTSIM_TRAIN_OPTIMIZER_KERNELS_H_

#include <cstdint>

#include "engine/thread_pool.h"

namespace quantsim::train {

inline constexpr int64_t kOptimizerGrain = int64_t{1} << 15;

struct SgdScalars {
  float neg_lr = 0;        // -lr
  float weight_decay = 0;  // L2 added to the gradient
  float momentum = 0;      // 0: no buffer
  float one_minus_dampening = 1;
  bool nesterov = false;
  bool first = false;  // momentum buffer not yet initialised: buf = d_p
};

// torch.optim.SGD, per element:
//   d = g + wd * p                      (when wd != 0)
//   buf = first ? d : buf * mu + (1 - dampening) * d   (when mu != 0)
//   d = nesterov ? d + mu * buf : buf                  (when mu != 0)
//   p = p + (-lr) * d
// `buf` may be null when momentum == 0.
void SgdUpdate(float* p, const float* g, float* buf, int64_t n,
               const SgdScalars& s, engine::ThreadPool* pool);

struct AdamScalars {
  float weight_decay = 0;  // Adam: L2 added to the gradient
  float decay_factor = 1;  // AdamW: p *= 1 - lr * wd (1: none)
  float beta1 = 0.9f, one_minus_beta1 = 0.1f;
  float beta2 = 0.999f, one_minus_beta2 = 0.001f;
  float neg_step_size = 0;          // -lr / (1 - beta1^t)
  float bias_correction2_sqrt = 1;  // sqrt(1 - beta2^t)
  float eps = 1e-8f;
};

// torch.optim.Adam / AdamW, per element:
//   p = p * (1 - lr wd)                 (AdamW, decay_factor != 1)
//   g = g + wd * p                      (Adam, weight_decay != 0)
//   m = m * beta1 + (1 - beta1) * g
//   v = v * beta2 + ((1 - beta2) * g) * g
//   vmax = max(vmax, v)                 (amsgrad: vmax non-null)
//   denom = sqrt(amsgrad ? vmax : v) / sqrt(1 - beta2^t) + eps
//   p = p + ((-lr / (1 - beta1^t)) * m) / denom
void AdamUpdate(float* p, const float* g, float* m, float* v, float* vmax,
                int64_t n, const AdamScalars& s, engine::ThreadPool* pool);

}  // namespace quantsim::train

#endif  // QUANTSIM_TRAIN_OPTIMIZER_KERNELS_H_
