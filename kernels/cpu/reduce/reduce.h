// quantsim kernels: ReduceSum/Mean/Max/Min over any set of axes, ArgMax.
//
// Contract:
//  - y has x's element count with the reduced axes removed (keepdims is the
//    caller's business: the data are the same). An empty reduction gives
//    Sum 0, Mean NaN, Max -inf, Min +inf.
//  - Deterministic, fixed order, independent of thread count AND of the
//    Isa (every Isa is bit-identical to kScalar):
//      * a reduced innermost run of length L is cut into blocks of
//        kReduceBlock; inside a block, lane j (0..15) accumulates elements
//        j, j + 16, ... (the partial last 16 go to lanes 0.. in order), lanes
//        combine as a tree (j += j + 8, then + 4, + 2, + 1); block results
//        combine left to right;
//      * reduced outer axes then accumulate row-major, elementwise over the
//        kept inner run: y = op(op(x_0, x_1), x_2) ...
//    Mean = Sum / float(count) (a divide). Max/Min propagate NaN.
//  - ArgMax: first index of the maximum (last with select_last_index); a NaN
//    counts as the maximum (numpy).
#ifndef QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_H_
#define QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/binary/dims.h"

namespace quantsim::kernels {

enum class ReduceOp : int { kSum, kMean, kMax, kMin };

inline constexpr int64_t kReduceBlock = 4096;
inline constexpr int64_t kReduceGrain = int64_t{1} << 14;

// axes: distinct, in [0, rank) (the checked front end also accepts
// negative axes and normalises them).
void Reduce(ReduceOp op, const float* x, const Dims& x_dims, const int* axes,
            int num_axes, float* y, engine::ThreadPool* pool = nullptr,
            engine::Isa isa = engine::DefaultIsa());

// InvalidArgument: axis out of [-rank, rank), duplicate axis, unknown op,
// y_count != expected output element count, null buffers.
absl::Status ReduceChecked(ReduceOp op, const float* x, const Dims& x_dims,
                           const int* axes, int num_axes, float* y,
                           int64_t y_count, engine::ThreadPool* pool = nullptr,
                           engine::Isa isa = engine::DefaultIsa());

// out[o, i] = argmax_a x[o, a, i] for x viewed as [outer, dims[axis], inner].
void ArgMax(const float* x, const Dims& dims, int axis, int64_t* out,
            bool select_last_index = false, engine::ThreadPool* pool = nullptr);

absl::Status ArgMaxChecked(const float* x, const Dims& dims, int axis,
                           int64_t* out, bool select_last_index = false,
                           engine::ThreadPool* pool = nullptr);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_REDUCE_REDUCE_H_
