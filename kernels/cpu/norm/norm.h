// quantsim kernels: normalization layers, forward and backward.
//
// Contract (scalar code on every Isa, threaded; statistics in double):
//  - BatchNorm, x [N, C, S] (S = product of spatial dims):
//      inference: a_c = gamma_c / sqrt(var_c + eps), b_c = beta_c - mean_c a_c
//      (float), y = x a_c + b_c.
//      training: batch mean / biased variance per channel, two-pass in
//      double; y = (x - mean) inv_std gamma + beta; saved_mean/inv_std [C];
//      running_x = momentum running_x + (1 - momentum) batch_x (ONNX
//      convention; PyTorch's momentum m is ONNX 1 - m), with the unbiased
//      variance M / (M - 1) var when unbiased_running_var (PyTorch).
//      backward: dbeta = sum dy, dgamma = sum dy xhat,
//      dx = gamma inv_std / M (M dy - dbeta - xhat dgamma), M = N S.
//  - Row norms over [rows, len] with per-parameter index
//      p(row, j) = (row % groups) * (len / spatial) + j / spatial:
//      LayerNorm: x [outer, inner] normalized over inner, gamma [inner]
//        (groups = 1, spatial = 1);
//      GroupNorm: x [N, C, S], G groups, gamma [C] (rows = N G,
//        len = C / G * S, spatial = S); InstanceNorm = GroupNorm, G = C.
//      mean / inv_std = 1 / sqrt(biased var + eps) saved per row (float).
//      backward: dxhat = dy gamma_p; dx = inv_std (dxhat - mean(dxhat) -
//      xhat mean(dxhat xhat)); dgamma_p = sum dy xhat, dbeta_p = sum dy.
//    Every sum runs in a fixed order in double: results do not depend on
//    the thread count.
#ifndef QUANTSIM_KERNELS_CPU_NORM_NORM_H_
#define QUANTSIM_KERNELS_CPU_NORM_NORM_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/thread_pool.h"

namespace quantsim::kernels {

struct BatchNormShape {
  int64_t N = 1, C = 1, S = 1;
};

void BatchNormInference(const float* x, const BatchNormShape& s,
                        const float* gamma, const float* beta,
                        const float* mean, const float* var, float eps,
                        float* y, engine::ThreadPool* pool = nullptr);

// running_mean / running_var may be null (no update).
void BatchNormTrainingForward(const float* x, const BatchNormShape& s,
                              const float* gamma, const float* beta, float eps,
                              float momentum, bool unbiased_running_var,
                              float* y, float* saved_mean, float* saved_inv_std,
                              float* running_mean, float* running_var,
                              engine::ThreadPool* pool = nullptr);

// dgamma / dbeta may be null.
void BatchNormBackward(const float* x, const float* dy, const BatchNormShape& s,
                       const float* gamma, const float* saved_mean,
                       const float* saved_inv_std, float* dx, float* dgamma,
                       float* dbeta, engine::ThreadPool* pool = nullptr);

struct RowNormShape {
  int64_t rows = 1, len = 1;
  int64_t groups = 1, spatial = 1;  // see the file comment
  int64_t NumParams() const { return groups * (len / spatial); }
};
RowNormShape LayerNormShape(int64_t outer, int64_t inner);
RowNormShape GroupNormShape(int64_t N, int64_t C, int64_t S, int64_t G);

// gamma / beta: NumParams() entries, or null for 1 / 0.
void RowNormForward(const float* x, const RowNormShape& s, const float* gamma,
                    const float* beta, float eps, float* y, float* mean,
                    float* inv_std, engine::ThreadPool* pool = nullptr);
void RowNormBackward(const float* x, const float* dy, const RowNormShape& s,
                     const float* gamma, const float* mean,
                     const float* inv_std, float* dx, float* dgamma,
                     float* dbeta, engine::ThreadPool* pool = nullptr);

// InvalidArgument: sizes < 1, eps <= 0 or NaN, momentum outside [0, 1],
// C not divisible by G.
absl::Status CheckBatchNormArgs(const BatchNormShape& s, float eps,
                                float momentum);
absl::Status CheckGroupNormArgs(int64_t N, int64_t C, int64_t S, int64_t G,
                                float eps);
absl::Status CheckLayerNormArgs(int64_t outer, int64_t inner, float eps);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_NORM_NORM_H_
