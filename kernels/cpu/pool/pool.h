// quantsim kernels: Max/Average pooling 1d/2d/3d (NC + spatial, ONNX
// attributes) and global pooling, forward and backward.
//
// Contract:
//  - x [N, C, D1..Dk], k = params.spatial_rank in 1..3. Output size per dim:
//      out = floor_or_ceil((in + pad_b + pad_e - ((k - 1) d + 1)) / s) + 1,
//    and with ceil_mode a last window starting past in + pad_b is dropped
//    (PyTorch/ONNX rule).
//  - MaxPool: first maximum in window order (row-major); NaN wins. indices
//    (optional) hold the flat spatial index inside the (n, c) plane.
//    Windows entirely in padding give -inf and index -1 (no gradient).
//  - AveragePool: divisor = count of window taps inside the input
//    (count_include_pad = false) or inside the padded input [-pad_b,
//    in + pad_e) (true); a sum in float in window order.
//  - Backward accumulates dy into dx per (n, c) plane in output order
//    (deterministic; planes are the parallel unit).
//  - Global pools: mean / max over S = prod(D) per plane; backward dy / S,
//    or dy to the first argmax.
#ifndef QUANTSIM_KERNELS_CPU_POOL_POOL_H_
#define QUANTSIM_KERNELS_CPU_POOL_POOL_H_

#include <stdint.h>

#include "absl/status/statusor.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/binary/dims.h"

namespace quantsim::kernels {

struct PoolParams {
  int spatial_rank = 2;
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0};
  int64_t pad_end[3] = {0, 0, 0};
  int64_t dilation[3] = {1, 1, 1};
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

// Validates x_dims / params and returns y_dims. InvalidArgument: rank !=
// spatial_rank + 2, kernel/stride/dilation < 1, negative pads, pads >= the
// dilated kernel extent (PyTorch: pad <= kernel / 2 is required; we allow
// any pad smaller than the extent), an output dim < 1.
absl::StatusOr<Dims> PoolOutputDims(const Dims& x_dims, const PoolParams& p);

void MaxPoolForward(const float* x, const Dims& x_dims, const PoolParams& p,
                    float* y, int64_t* indices,
                    engine::ThreadPool* pool = nullptr);
// dx is overwritten.
void MaxPoolBackward(const float* dy, const int64_t* indices,
                     const Dims& y_dims, const Dims& x_dims, float* dx,
                     engine::ThreadPool* pool = nullptr);

void AveragePoolForward(const float* x, const Dims& x_dims, const PoolParams& p,
                        float* y, engine::ThreadPool* pool = nullptr);
void AveragePoolBackward(const float* dy, const Dims& x_dims,
                         const PoolParams& p, float* dx,
                         engine::ThreadPool* pool = nullptr);

// planes = N * C, S = spatial size. indices optional.
void GlobalAveragePoolForward(const float* x, int64_t planes, int64_t S,
                              float* y, engine::ThreadPool* pool = nullptr);
void GlobalAveragePoolBackward(const float* dy, int64_t planes, int64_t S,
                               float* dx, engine::ThreadPool* pool = nullptr);
void GlobalMaxPoolForward(const float* x, int64_t planes, int64_t S, float* y,
                          int64_t* indices, engine::ThreadPool* pool = nullptr);
void GlobalMaxPoolBackward(const float* dy, const int64_t* indices,
                           int64_t planes, int64_t S, float* dx,
                           engine::ThreadPool* pool = nullptr);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_POOL_POOL_H_
