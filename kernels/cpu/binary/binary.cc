// Baseline-ISA TU: broadcast planning, chunking, ISA dispatch, scalar
// reference loops and tails (exact ops, so scalar tails are bit-identical).
#include "kernels/cpu/binary/binary.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/binary/binary_reference.h"
#include "kernels/cpu/binary/binary_simd.h"
#include "kernels/cpu/binary/broadcast.h"

namespace quantsim::kernels {
namespace {

using internal::BinarySimdArgs;

int64_t RunSimd(engine::Isa isa, const BinarySimdArgs& a) {
  internal::BinarySimdKernel k;
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

std::string DimsString(const Dims& d) {
  std::string s = "[";
  for (int i = 0; i < d.rank; ++i) absl::StrAppend(&s, i ? "," : "", d.d[i]);
  return s + "]";
}

}  // namespace

const char* BinaryOpName(BinaryOp op) {
  static const char* const kNames[kNumBinaryOps] = {"Add", "Sub", "Mul", "Div",
                                                    "Pow", "Max", "Min"};
  const int i = static_cast<int>(op);
  return i >= 0 && i < kNumBinaryOps ? kNames[i] : "Unknown";
}

absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b) {
  for (const Dims* x : {&a, &b}) {
    if (x->rank < 0 || x->rank > kMaxRank) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank ", x->rank, " outside 0..", kMaxRank));
    }
    for (int i = 0; i < x->rank; ++i) {
      if (x->d[i] < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("negative dim in ", DimsString(*x)));
      }
    }
  }
  Dims y;
  y.rank = std::max(a.rank, b.rank);
  for (int i = 0; i < y.rank; ++i) {
    const int ia = i - (y.rank - a.rank), ib = i - (y.rank - b.rank);
    const int64_t da = ia >= 0 ? a.d[ia] : 1, db = ib >= 0 ? b.d[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shapes ", DimsString(a), " and ", DimsString(b),
          " do not broadcast (dim ", i, ": ", da, " vs ", db, ")"));
    }
    y.d[i] = da == 1 ? db : da;
  }
  return y;
}

void BinaryForward(BinaryOp op, const float* a, const Dims& a_dims,
                   const float* b, const Dims& b_dims, float* y,
                   const Dims& y_dims, engine::ThreadPool* pool,
                   engine::Isa isa) {
  const internal::BroadcastPlan plan =
      internal::MakeBroadcastPlan(a_dims, b_dims, y_dims);
  const int64_t step_a = plan.sa[plan.rank - 1];
  const int64_t step_b = plan.sb[plan.rank - 1];
  const bool simd = isa != engine::Isa::kScalar && op != BinaryOp::kPow;
  auto run = [&](int64_t pos, int64_t oa, int64_t ob, int64_t len) {
    const float* pa = a + oa;
    const float* pb = b + ob;
    float* py = y + pos;
    int64_t k = 0;
    if (simd) {
      k = RunSimd(isa, BinarySimdArgs{static_cast<int>(op), pa,
                                      static_cast<int>(step_a), pb,
                                      static_cast<int>(step_b), py, len});
    }
    for (; k < len; ++k) {
      py[k] = binary_ref::Apply(op, pa[k * step_a], pb[k * step_b]);
    }
  };
  engine::ParallelFor(pool, y_dims.NumElements(), kBinaryGrain,
                      [&](int64_t begin, int64_t end) {
                        internal::ForEachRun(plan, begin, end, run);
                      });
}

absl::Status BinaryForwardChecked(BinaryOp op, const float* a,
                                  const Dims& a_dims, const float* b,
                                  const Dims& b_dims, float* y,
                                  const Dims& y_dims, engine::ThreadPool* pool,
                                  engine::Isa isa) {
  const int o = static_cast<int>(op);
  if (o < 0 || o >= kNumBinaryOps) {
    return absl::InvalidArgumentError(absl::StrCat("unknown binary op ", o));
  }
  absl::StatusOr<Dims> want = BroadcastDims(a_dims, b_dims);
  if (!want.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(BinaryOpName(op), ": ", want.status().message()));
  }
  if (*want != y_dims) {
    return absl::InvalidArgumentError(
        absl::StrCat(BinaryOpName(op), ": output ", DimsString(y_dims),
                     " is not the broadcast ", DimsString(*want)));
  }
  if ((a == nullptr || b == nullptr || y == nullptr) &&
      y_dims.NumElements() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(BinaryOpName(op), ": null buffer"));
  }
  BinaryForward(op, a, a_dims, b, b_dims, y, y_dims, pool, isa);
  return absl::OkStatus();
}

void VariadicForward(VariadicOp op, const float* const* inputs,
                     const Dims* dims, int count, float* y, const Dims& y_dims,
                     engine::ThreadPool* pool, engine::Isa isa) {
  const BinaryOp bop = op == VariadicOp::kMax   ? BinaryOp::kMax
                       : op == VariadicOp::kMin ? BinaryOp::kMin
                                                : BinaryOp::kAdd;
  if (count == 1) {
    // Broadcast copy: y = x0 + (-0.0f) is exact for every float (keeps -0).
    const float neg_zero = -0.0f;
    BinaryForward(BinaryOp::kAdd, inputs[0], dims[0], &neg_zero, Dims{}, y,
                  y_dims, pool, isa);
  } else {
    BinaryForward(bop, inputs[0], dims[0], inputs[1], dims[1], y, y_dims, pool,
                  isa);
    for (int k = 2; k < count; ++k) {
      BinaryForward(bop, y, y_dims, inputs[k], dims[k], y, y_dims, pool, isa);
    }
  }
  if (op == VariadicOp::kMean) {
    const float c = static_cast<float>(count);
    BinaryForward(BinaryOp::kDiv, y, y_dims, &c, Dims{}, y, y_dims, pool, isa);
  }
}

absl::Status VariadicForwardChecked(VariadicOp op, const float* const* inputs,
                                    const Dims* dims, int count, float* y,
                                    const Dims& y_dims,
                                    engine::ThreadPool* pool, engine::Isa isa) {
  if (count < 1 || inputs == nullptr || dims == nullptr) {
    return absl::InvalidArgumentError("variadic op needs at least one input");
  }
  Dims want = dims[0];
  for (int k = 0; k < count; ++k) {
    absl::StatusOr<Dims> w = BroadcastDims(want, dims[k]);
    if (!w.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("variadic input ", k, ": ", w.status().message()));
    }
    want = *w;
  }
  if (want != y_dims) {
    return absl::InvalidArgumentError(
        absl::StrCat("variadic output ", DimsString(y_dims),
                     " is not the broadcast ", DimsString(want)));
  }
  VariadicForward(op, inputs, dims, count, y, y_dims, pool, isa);
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
