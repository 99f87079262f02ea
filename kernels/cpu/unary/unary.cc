// Baseline-ISA TU: chunking, ISA dispatch, scalar reference loops and padded
// SIMD tails. Only this TU calls unary_reference.h.
#include "kernels/cpu/unary/unary.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/unary/unary_reference.h"
#include "kernels/cpu/unary/unary_simd.h"

namespace quantsim::kernels {
namespace {

using internal::UnarySimdArgs;

constexpr int64_t kMaxBatch = 16;  // avx512 floats

int64_t RunSimd(engine::Isa isa, const UnarySimdArgs& a) {
  internal::UnarySimdKernel k;
  switch (isa) {
    case engine::Isa::kSse2:
      return k(xsimd::sse2{}, a);
    case engine::Isa::kAvx2:
      return k(xsimd::avx2{}, a);
    case engine::Isa::kAvx512:
      return k(xsimd::avx512bw{}, a);
    case engine::Isa::kScalar:
      break;
  }
  return 0;
}

// Runs the SIMD body on [0, n) and the tail padded into one batch-sized
// buffer (so each element's result depends only on its inputs).
void SimdWithPaddedTail(engine::Isa isa, UnarySimdArgs a) {
  const int64_t done = RunSimd(isa, a);
  const int64_t rest = a.n - done;
  if (rest == 0) return;
  alignas(64) float bx[kMaxBatch] = {}, by[kMaxBatch] = {}, bdy[kMaxBatch] = {},
                    bout[kMaxBatch];
  if (a.x) std::copy(a.x + done, a.x + a.n, bx);
  if (a.y) std::copy(a.y + done, a.y + a.n, by);
  if (a.dy) std::copy(a.dy + done, a.dy + a.n, bdy);
  float* out = a.out + done;
  a.x = a.x ? bx : nullptr;
  a.y = a.y ? by : nullptr;
  a.dy = a.dy ? bdy : nullptr;
  a.out = bout;
  a.n = kMaxBatch;
  RunSimd(isa, a);
  std::copy(bout, bout + rest, out);
}

}  // namespace

const char* UnaryOpName(UnaryOp op) {
  static const char* const kNames[kNumUnaryOps] = {
      "Relu",      "LeakyRelu", "Elu",      "Selu",       "Celu",
      "GeluErf",   "GeluTanh",  "Sigmoid",  "Tanh",       "HardSigmoid",
      "HardSwish", "Softplus",  "Softsign", "Mish",       "Clip",
      "Exp",       "Log",       "Sqrt",     "Reciprocal", "Abs",
      "Neg",       "Erf",       "Floor",    "Ceil",       "Round"};
  const int i = static_cast<int>(op);
  return i >= 0 && i < kNumUnaryOps ? kNames[i] : "Unknown";
}

UnaryParams DefaultUnaryParams(UnaryOp op) {
  UnaryParams p;
  p.op = op;
  switch (op) {
    case UnaryOp::kLeakyRelu:
      p.alpha = 0.01f;
      break;
    case UnaryOp::kElu:
    case UnaryOp::kCelu:
      p.alpha = 1.0f;
      break;
    case UnaryOp::kHardSigmoid:
      p.alpha = 0.2f;
      p.beta = 0.5f;
      break;
    case UnaryOp::kClip:
      p.alpha = -std::numeric_limits<float>::infinity();
      p.beta = std::numeric_limits<float>::infinity();
      break;
    default:
      break;
  }
  return p;
}

UnaryGradInput UnaryGradInputOf(UnaryOp op) {
  switch (op) {
    case UnaryOp::kSigmoid:
    case UnaryOp::kTanh:
    case UnaryOp::kExp:
    case UnaryOp::kSqrt:
    case UnaryOp::kReciprocal:
      return UnaryGradInput::kY;
    case UnaryOp::kNeg:
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRound:
      return UnaryGradInput::kNone;
    default:
      return UnaryGradInput::kX;
  }
}

bool UnaryHasSimd(UnaryOp op) {
  switch (op) {
    case UnaryOp::kRelu:
    case UnaryOp::kLeakyRelu:
    case UnaryOp::kGeluErf:
    case UnaryOp::kGeluTanh:
    case UnaryOp::kSigmoid:
    case UnaryOp::kTanh:
    case UnaryOp::kHardSigmoid:
    case UnaryOp::kHardSwish:
    case UnaryOp::kClip:
    case UnaryOp::kExp:
    case UnaryOp::kAbs:
    case UnaryOp::kNeg:
      return true;
    default:
      return false;
  }
}

UnaryTolerance UnarySimdTolerance(UnaryOp op, bool backward) {
  // Measured maxima (tests/kernels/cpu/unary/unary_isa_test.cc prints them)
  // rounded up to a power of two; see that test for the derivation.
  constexpr float kEps = std::numeric_limits<float>::epsilon();
  UnaryTolerance t;
  switch (op) {
    case UnaryOp::kSigmoid:
    case UnaryOp::kTanh:
    case UnaryOp::kExp:
      if (!backward) t.rel = 4 * kEps;
      break;
    case UnaryOp::kGeluErf:
    case UnaryOp::kGeluTanh:
      // 1 + erf / 1 + tanh (and cdf + x pdf) cancel for x < 0: the absolute
      // error is a few eps times the size of the terms, ~|x| (forward) or
      // ~1 (backward).
      t.rel = 4 * kEps;
      t.abs_x = 2 * kEps;
      if (backward) t.abs = 2 * kEps;
      break;
    default:
      break;
  }
  return t;
}

void UnaryForward(const UnaryParams& p, const float* x, float* y, int64_t n,
                  engine::ThreadPool* pool, engine::Isa isa) {
  const bool simd = isa != engine::Isa::kScalar && UnaryHasSimd(p.op);
  engine::ParallelFor(pool, n, kUnaryGrain, [&](int64_t b, int64_t e) {
    if (!simd) {
      for (int64_t i = b; i < e; ++i) y[i] = unary_ref::Forward(p, x[i]);
      return;
    }
    UnarySimdArgs a{static_cast<int>(p.op),
                    p.alpha,
                    p.beta,
                    false,
                    x + b,
                    nullptr,
                    nullptr,
                    y + b,
                    e - b};
    SimdWithPaddedTail(isa, a);
  });
}

void UnaryBackward(const UnaryParams& p, const float* x, const float* y,
                   const float* dy, float* dx, int64_t n,
                   engine::ThreadPool* pool, engine::Isa isa) {
  const UnaryGradInput in = UnaryGradInputOf(p.op);
  if (in != UnaryGradInput::kX) x = nullptr;
  if (in != UnaryGradInput::kY) y = nullptr;
  const bool simd = isa != engine::Isa::kScalar && UnaryHasSimd(p.op);
  engine::ParallelFor(pool, n, kUnaryGrain, [&](int64_t b, int64_t e) {
    if (!simd) {
      for (int64_t i = b; i < e; ++i) {
        dx[i] = unary_ref::Backward(p, x ? x[i] : 0.0f, y ? y[i] : 0.0f, dy[i]);
      }
      return;
    }
    UnarySimdArgs a{
        static_cast<int>(p.op), p.alpha, p.beta, true, x ? x + b : nullptr,
        y ? y + b : nullptr,    dy + b,  dx + b, e - b};
    SimdWithPaddedTail(isa, a);
  });
}

absl::Status CheckUnaryArgs(const UnaryParams& p, int64_t n) {
  const int op = static_cast<int>(p.op);
  if (op < 0 || op >= kNumUnaryOps) {
    return absl::InvalidArgumentError(absl::StrCat("unknown unary op ", op));
  }
  const std::string name = UnaryOpName(p.op);
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": negative element count ", n));
  }
  if (std::isnan(p.alpha) || std::isnan(p.beta)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": NaN alpha/beta"));
  }
  if (p.op == UnaryOp::kClip && p.alpha > p.beta) {
    return absl::InvalidArgumentError(
        absl::StrCat("Clip: min ", p.alpha, " is greater than max ", p.beta));
  }
  if (p.op == UnaryOp::kCelu && p.alpha == 0.0f) {
    return absl::InvalidArgumentError("Celu: alpha must be nonzero");
  }
  if ((p.op == UnaryOp::kHardSigmoid || p.op == UnaryOp::kLeakyRelu ||
       p.op == UnaryOp::kElu || p.op == UnaryOp::kCelu) &&
      (!std::isfinite(p.alpha) || !std::isfinite(p.beta))) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": alpha/beta must be finite"));
  }
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
