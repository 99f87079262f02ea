// quantsim kernels: gradients of the broadcasting binary ops.
//
// Contract:
//  - ReduceToShape sums a gradient over the axes along which x was
//    broadcast to y_dims (leading missing axes and dims of 1), giving x's
//    shape; it is ReduceSum (reduce.h: fixed order, every Isa and thread
//    count bit-identical).
//  - BinaryBackward: da, db (either may be null) in the input shapes, from
//    the per-element partials (float, scalar):
//      Add: dy, dy          Sub: dy, -dy
//      Mul: dy b, dy a       Div: dy / b, -(dy a) / (b b)
//      Pow: dy b a^(b-1), dy a^b log(a) (0 where a <= 0)
//      Max/Min: dy to the selected input, dy / 2 to each on a tie.
//    then ReduceToShape.
#ifndef QUANTSIM_KERNELS_CPU_BINARY_BINARY_GRAD_H_
#define QUANTSIM_KERNELS_CPU_BINARY_BINARY_GRAD_H_

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/binary/binary.h"

namespace quantsim::kernels {

void ReduceToShape(const float* dy, const Dims& y_dims, float* dx,
                   const Dims& x_dims, engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

// InvalidArgument when x_dims does not broadcast to y_dims.
absl::Status ReduceToShapeChecked(const float* dy, const Dims& y_dims,
                                  float* dx, const Dims& x_dims,
                                  engine::ThreadPool* pool = nullptr,
                                  engine::Isa isa = engine::DefaultIsa());

void BinaryBackward(BinaryOp op, const float* a, const Dims& a_dims,
                    const float* b, const Dims& b_dims, const float* dy,
                    const Dims& y_dims, float* da, float* db,
                    engine::ThreadPool* pool = nullptr,
                    engine::Isa isa = engine::DefaultIsa());

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_BINARY_BINARY_GRAD_H_
