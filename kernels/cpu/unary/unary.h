// quantsim kernels: elementwise unary activations and math, forward and
// backward, on raw float buffers.
//
// Contract:
//  - The scalar reference (unary_reference.h, float, std:: math) is the
//    source of truth. engine::Isa::kScalar runs it exactly.
//  - SIMD variants (sse2/avx2/avx512bw) exist for the ops UnaryHasSimd()
//    reports. Piecewise-linear / arithmetic ones (Relu, LeakyRelu, Clip,
//    HardSigmoid, HardSwish, Abs, Neg and the backward of those plus of
//    Sigmoid/Tanh/Exp, which are arithmetic on y) are bit-exact with the
//    reference. Transcendental ones (Sigmoid, Tanh, GeluErf, GeluTanh, Exp
//    forward; GeluErf/GeluTanh backward) use xsimd's exp/tanh/erf and agree
//    with the reference within UnarySimdTolerance(). Every element's result
//    depends only on its inputs (tails are padded into one SIMD batch), and
//    not on the thread count (fixed chunks of kUnaryGrain).
//  - Backward reads x or y as UnaryGradInput(op) says (the other pointer may
//    be null); dx = dy * f'(.). Floor/Ceil/Round have zero gradient; kinks
//    take the right-hand derivative unless noted in unary_reference.h.
//  - In place (y == x, dx == dy) is allowed.
//  - Kernels only debug-check; CheckUnaryArgs validates untrusted input.
#ifndef QUANTSIM_KERNELS_CPU_UNARY_UNARY_H_
#define QUANTSIM_KERNELS_CPU_UNARY_UNARY_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"

namespace quantsim::kernels {

enum class UnaryOp : int {
  kRelu,
  kLeakyRelu,  // alpha: negative slope
  kElu,        // alpha
  kSelu,       // alpha, gamma fixed to ONNX defaults (params ignored)
  kCelu,       // alpha > 0
  kGeluErf,    // 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh,   // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  kSigmoid,
  kTanh,
  kHardSigmoid,  // max(0, min(1, alpha x + beta))
  kHardSwish,    // x * HardSigmoid(x) with alpha = 1/6, beta = 0.5 (ONNX)
  kSoftplus,
  kSoftsign,
  kMish,
  kClip,  // alpha = lo, beta = hi
  kExp,
  kLog,
  kSqrt,
  kReciprocal,
  kAbs,
  kNeg,
  kErf,
  kFloor,
  kCeil,
  kRound,  // half to even
};
inline constexpr int kNumUnaryOps = static_cast<int>(UnaryOp::kRound) + 1;

struct UnaryParams {
  UnaryOp op = UnaryOp::kRelu;
  float alpha = 0.0f;  // meaning per op, see UnaryOp; see DefaultUnaryParams
  float beta = 0.0f;
};

// ONNX default attributes for `op` (LeakyRelu 0.01, Elu/Celu 1, HardSigmoid
// 0.2/0.5, Clip -inf/+inf, ...).
UnaryParams DefaultUnaryParams(UnaryOp op);
const char* UnaryOpName(UnaryOp op);

enum class UnaryGradInput { kX, kY, kNone };
UnaryGradInput UnaryGradInputOf(UnaryOp op);

bool UnaryHasSimd(UnaryOp op);
// Max |simd - reference| allowed is rel * |reference| + abs_x * |x| + abs
// (forward: tolerance(op, false); backward: tolerance(op, true), times |dy|
// for the backward). All zero = bit-exact.
struct UnaryTolerance {
  float rel = 0.0f, abs_x = 0.0f, abs = 0.0f;
};
UnaryTolerance UnarySimdTolerance(UnaryOp op, bool backward);

inline constexpr int64_t kUnaryGrain = int64_t{1} << 14;

void UnaryForward(const UnaryParams& p, const float* x, float* y, int64_t n,
                  engine::ThreadPool* pool = nullptr,
                  engine::Isa isa = engine::DefaultIsa());

// x / y as UnaryGradInputOf(p.op) says; dx = dy * f'.
void UnaryBackward(const UnaryParams& p, const float* x, const float* y,
                   const float* dy, float* dx, int64_t n,
                   engine::ThreadPool* pool = nullptr,
                   engine::Isa isa = engine::DefaultIsa());

// InvalidArgument: unknown op, n < 0, NaN alpha/beta, Clip lo > hi, Celu
// alpha == 0, HardSigmoid alpha not finite.
absl::Status CheckUnaryArgs(const UnaryParams& p, int64_t n);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_UNARY_UNARY_H_
