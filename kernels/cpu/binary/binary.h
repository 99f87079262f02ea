// quantsim kernels: elementwise binary ops with numpy broadcasting, and
// variadic Sum/Mean/Max/Min as repeated binary ops.
//
// Contract:
//  - Shapes right-align; a dim of 1 (or a missing leading dim) broadcasts.
//    y has y_dims; a_dims and b_dims must broadcast to y_dims (the checked
//    front end verifies; BroadcastDims computes y_dims).
//  - Numerics: binary_reference.h (float). Add/Sub/Mul/Div/Max/Min are
//    bit-exact on every Isa (same IEEE op); Max/Min propagate NaN. Pow runs
//    the scalar reference (std::pow) on every Isa.
//  - The broadcast iterator coalesces dims into contiguous inner runs with
//    vector-vector, scalar-vector or vector-scalar inner loops (SIMD).
//  - Work is split into fixed chunks of kBinaryGrain output elements, so
//    results never depend on the thread count. y may alias a or b when that
//    input has y's shape.
#ifndef QUANTSIM_KERNELS_CPU_BINARY_BINARY_H_
#define QUANTSIM_KERNELS_CPU_BINARY_BINARY_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/binary/dims.h"

namespace quantsim::kernels {

enum class BinaryOp : int { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin };
inline constexpr int kNumBinaryOps = 7;
const char* BinaryOpName(BinaryOp op);

enum class VariadicOp : int { kSum, kMean, kMax, kMin };

inline constexpr int64_t kBinaryGrain = int64_t{1} << 14;

// numpy broadcast of two shapes. InvalidArgument on a dim mismatch, a
// negative dim or a rank above kMaxRank.
absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b);

// y[i] = op(a[bcast(i)], b[bcast(i)]) over y_dims.
void BinaryForward(BinaryOp op, const float* a, const Dims& a_dims,
                   const float* b, const Dims& b_dims, float* y,
                   const Dims& y_dims, engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

// Checks that y_dims == BroadcastDims(a_dims, b_dims) and the op is known,
// then runs BinaryForward.
absl::Status BinaryForwardChecked(BinaryOp op, const float* a,
                                  const Dims& a_dims, const float* b,
                                  const Dims& b_dims, float* y,
                                  const Dims& y_dims,
                                  engine::ThreadPool* pool = nullptr,
                                  engine::Isa isa = engine::DefaultIsa());

// Sum: ((x0 + x1) + x2) + ...; Mean: Sum / float(count) (a divide);
// Max/Min: repeated Max/Min. count >= 1; y has the broadcast of all dims
// (y may not alias an input unless count == 1 and it is that input).
void VariadicForward(VariadicOp op, const float* const* inputs,
                     const Dims* dims, int count, float* y, const Dims& y_dims,
                     engine::ThreadPool* pool = nullptr,
                     engine::Isa isa = engine::DefaultIsa());

absl::Status VariadicForwardChecked(VariadicOp op, const float* const* inputs,
                                    const Dims* dims, int count, float* y,
                                    const Dims& y_dims,
                                    engine::ThreadPool* pool = nullptr,
                                    engine::Isa isa = engine::DefaultIsa());

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_BINARY_BINARY_H_
