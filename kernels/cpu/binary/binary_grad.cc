#include "kernels/cpu/binary/binary_grad.h"

#include <cmath>
#include <vector>

#include "kernels/cpu/binary/broadcast.h"
#include "kernels/cpu/reduce/reduce.h"

namespace quantsim::kernels {
namespace {

// Axes of y_dims that x was broadcast along.
int BroadcastAxes(const Dims& y, const Dims& x, int* axes) {
  int n = 0;
  for (int i = 0; i < y.rank; ++i) {
    const int j = i - (y.rank - x.rank);
    if (j < 0 || (x.d[j] == 1 && y.d[i] != 1)) axes[n++] = i;
  }
  return n;
}

void GradPair(BinaryOp op, float a, float b, float g, float* ga, float* gb) {
  switch (op) {
    case BinaryOp::kAdd:
      *ga = g, *gb = g;
      return;
    case BinaryOp::kSub:
      *ga = g, *gb = -g;
      return;
    case BinaryOp::kMul:
      *ga = g * b, *gb = g * a;
      return;
    case BinaryOp::kDiv:
      *ga = g / b, *gb = -(g * a) / (b * b);
      return;
    case BinaryOp::kPow:
      *ga = g * b * std::pow(a, b - 1.0f);
      *gb = a > 0.0f ? g * std::pow(a, b) * std::log(a) : 0.0f;
      return;
    case BinaryOp::kMax:
    case BinaryOp::kMin: {
      const bool a_wins = op == BinaryOp::kMax ? a > b : a < b;
      const bool b_wins = op == BinaryOp::kMax ? b > a : b < a;
      const float half = 0.5f * g;
      *ga = a_wins ? g : (b_wins ? 0.0f : half);
      *gb = b_wins ? g : (a_wins ? 0.0f : half);
      return;
    }
  }
}

}  // namespace

void ReduceToShape(const float* dy, const Dims& y_dims, float* dx,
                   const Dims& x_dims, engine::ThreadPool* pool,
                   engine::Isa isa) {
  int axes[kMaxRank];
  const int n = BroadcastAxes(y_dims, x_dims, axes);
  Reduce(ReduceOp::kSum, dy, y_dims, axes, n, dx, pool, isa);
}

absl::Status ReduceToShapeChecked(const float* dy, const Dims& y_dims,
                                  float* dx, const Dims& x_dims,
                                  engine::ThreadPool* pool, engine::Isa isa) {
  absl::StatusOr<Dims> b = BroadcastDims(x_dims, y_dims);
  if (!b.ok()) return b.status();
  if (*b != y_dims) {
    return absl::InvalidArgumentError(
        "ReduceToShape: x does not broadcast to y's shape");
  }
  ReduceToShape(dy, y_dims, dx, x_dims, pool, isa);
  return absl::OkStatus();
}

void BinaryBackward(BinaryOp op, const float* a, const Dims& a_dims,
                    const float* b, const Dims& b_dims, const float* dy,
                    const Dims& y_dims, float* da, float* db,
                    engine::ThreadPool* pool, engine::Isa isa) {
  const int64_t n = y_dims.NumElements();
  if (op == BinaryOp::kAdd) {
    if (da) ReduceToShape(dy, y_dims, da, a_dims, pool, isa);
    if (db) ReduceToShape(dy, y_dims, db, b_dims, pool, isa);
    return;
  }
  std::vector<float> ga(da ? n : 0), gb(db ? n : 0);
  const internal::BroadcastPlan plan =
      internal::MakeBroadcastPlan(a_dims, b_dims, y_dims);
  const int64_t sa = plan.sa[plan.rank - 1], sb = plan.sb[plan.rank - 1];
  engine::ParallelFor(pool, n, kBinaryGrain, [&](int64_t begin, int64_t end) {
    internal::ForEachRun(plan, begin, end,
                         [&](int64_t pos, int64_t oa, int64_t ob, int64_t len) {
                           for (int64_t k = 0; k < len; ++k) {
                             float x, z;
                             GradPair(op, a[oa + k * sa], b[ob + k * sb],
                                      dy[pos + k], &x, &z);
                             if (da) ga[pos + k] = x;
                             if (db) gb[pos + k] = z;
                           }
                         });
  });
  if (da) ReduceToShape(ga.data(), y_dims, da, a_dims, pool, isa);
  if (db) ReduceToShape(gb.data(), y_dims, db, b_dims, pool, isa);
}

}  // namespace quantsim::kernels
