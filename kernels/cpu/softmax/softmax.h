// quantsim kernels: softmax / log-softmax along an axis, fused softmax
// cross-entropy with integer labels, and MSE loss. Forward and backward.
//
// Contract:
//  - Tensors are viewed as [outer, n, inner] with the softmax axis in the
//    middle (n = its size). Numerically stable: max-subtracted; exp is
//    std::exp (float), the row sum is accumulated in double in index order,
//    then y = e / float(sum), log-softmax y = (x - max) - float(log(sum)).
//    Scalar code on every Isa; one row is always computed by one thread, so
//    results never depend on the thread count (chunks over `outer`).
//  - Backward: softmax dx = y (dy - sum(dy y)); log-softmax dx = dy -
//    exp(y) sum(dy) (sums in double).
//  - SoftmaxCrossEntropy: logits [N, C, D] (D = product of trailing dims, 1
//    if none), labels [N, D] (int64). Samples whose label == ignore_index
//    get loss 0 and gradient 0. reduction kNone writes N*D losses, kSum one,
//    kMean one = sum / (number not ignored) (NaN when all are ignored).
//    log_prob (optional, [N, C, D]) receives log-softmax for reuse.
//    Backward: dlogits = (softmax - onehot) * g, g = dloss[n, d] (kNone),
//    dloss[0] (kSum) or dloss[0] / count (kMean). Losses accumulate in
//    double.
//  - MSE: loss = reduce((a - b)^2); backward da = 2 (a - b) g (g as above,
//    count = n for kMean).
#ifndef QUANTSIM_KERNELS_CPU_SOFTMAX_SOFTMAX_H_
#define QUANTSIM_KERNELS_CPU_SOFTMAX_SOFTMAX_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/thread_pool.h"

namespace quantsim::kernels {

enum class LossReduction : int { kNone, kSum, kMean };

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};

void SoftmaxForward(const float* x, const AxisView& v, float* y, bool log,
                    engine::ThreadPool* pool = nullptr);
void SoftmaxBackward(const float* y, const float* dy, const AxisView& v,
                     float* dx, bool log, engine::ThreadPool* pool = nullptr);

// loss: 1 value (kSum/kMean) or N*D values (kNone).
void SoftmaxCrossEntropyForward(const float* logits, const int64_t* labels,
                                int64_t N, int64_t C, int64_t D,
                                int64_t ignore_index, LossReduction reduction,
                                float* loss, float* log_prob,
                                engine::ThreadPool* pool = nullptr);
void SoftmaxCrossEntropyBackward(const float* logits, const int64_t* labels,
                                 int64_t N, int64_t C, int64_t D,
                                 int64_t ignore_index, LossReduction reduction,
                                 const float* dloss, float* dlogits,
                                 engine::ThreadPool* pool = nullptr);

void MseForward(const float* a, const float* b, int64_t n,
                LossReduction reduction, float* loss);
void MseBackward(const float* a, const float* b, int64_t n,
                 LossReduction reduction, const float* dloss, float* da);

// InvalidArgument: sizes < 1 (n, C) or < 0, outer*n*inner overflow, unknown
// reduction, a label outside [0, C) that is not ignore_index.
absl::Status CheckAxisView(const AxisView& v);
absl::Status CheckSoftmaxCrossEntropyArgs(const int64_t* labels, int64_t N,
                                          int64_t C, int64_t D,
                                          int64_t ignore_index,
                                          LossReduction reduction);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_SOFTMAX_SOFTMAX_H_
