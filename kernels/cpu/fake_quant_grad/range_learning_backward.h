// quantsim kernels: fused range-learning QDQ backward producing
// (dx, dmin, dmax) and optionally the forward x_hat in the same pass.
// Formulas, derivative cases and chain rule: range_learning_math.h.
//
// Contract:
//  - Layout (layout.h): per tensor or per channel, [outer, axis, inner],
//    block = 1, no vary_outer / vary_inner; channel a owns the elements
//    (o, a, i) for all o, i, visited in that (o, i) order. Per-channel on the
//    last axis is outer = prod(dims before), axis = dim, inner = 1.
//  - Determinism: channel a's sequence of M = outer * inner elements is cut
//    into fixed chunks of `chunk` elements; each chunk's sums are taken in
//    double, in element order (scalar) or in double SIMD lanes reduced in a
//    fixed lane order per run of <= inner contiguous elements (SIMD), and
//    the chunk sums are combined in chunk order. Chunk boundaries depend only
//    on the layout and `chunk`, so 1, 2, 3 ... threads give bit-identical
//    sums, dmin and dmax for a given Isa.
//  - dx and x_hat are bit-exact across Isas. Sums: every per-element term
//    g * d is computed in float identically and is exact in double, so Isas
//    differ only in the order of double additions within a chunk; for a
//    chunk of m terms both orders are within (m - 1) 2^-53 sum|terms| of the
//    exact sum, so |G_simd - G_scalar| <= 2 (chunk - 1) 2^-53 sum|g d| (and
//    the same for S_o with sum|g|): about 3.6e-12 relative for the default
//    chunk. dmin/dmax then go through the same double coefficients and one
//    rounding to float.
//  - x, dy, dx, x_hat must not overlap except dx == dy. Callers validate
//    (fake_quant_grad_checked.h); kernels only debug-check.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_BACKWARD_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_BACKWARD_H_

#include <stdint.h>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant_grad/range_learning_math.h"

namespace quantsim::kernels {

// Default elements per reduction chunk.
inline constexpr int64_t kRangeGradChunk = 16384;

// Low level: per-channel sums (G_s, S_o) into sums[layout.axis], with dx and
// x_hat (each nullable). grids[a] is channel a's grid; half_even selects the
// rounding of round(x/s).
void RangeLearnBackwardSums(const float* x, const float* dy,
                            const QdqLayout& layout, const RangeGradGrid* grids,
                            bool half_even, float* dx, float* x_hat,
                            RangeGradSums* sums,
                            engine::ThreadPool* pool = nullptr,
                            engine::Isa isa = engine::DefaultIsa(),
                            int64_t chunk = kRangeGradChunk);

// The fused backward: dx (nullable), dmin[a], dmax[a] for a < layout.axis,
// x_hat (nullable) = the forward output.
void RangeLearnBackward(const float* x, const float* dy,
                        const QdqLayout& layout, const float* enc_min,
                        const float* enc_max, const RangeGradConfig& config,
                        float* dx, float* dmin, float* dmax, float* x_hat,
                        engine::ThreadPool* pool = nullptr,
                        engine::Isa isa = engine::DefaultIsa(),
                        int64_t chunk = kRangeGradChunk);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_RANGE_LEARNING_BACKWARD_H_
