// quantsim kernels: index plans for plain (non-SIMD) typed loops of the
// logic/tensor op families: numpy broadcasting of several inputs to one
// output, reductions over arbitrary axes, and a dtype visitor.
//
// Contract:
//  - Dims are row-major and contiguous; strides are in elements.
//  - BroadcastPlan: every input is right-aligned against the output dims and
//    gets stride 0 along its broadcast (size-1 or missing) dims.
//    ForEachBroadcastRow calls fn(out_offset, len, in_offsets, in_strides)
//    once per innermost output row (len = last output dim, >= 1); rows are
//    split over `pool` (may be null) in fixed chunks, each row exactly once.
//  - ReducePlan: output element o (over the kept dims, in order) reads the
//    input at base(o) + offsets[j] for j = 0..offsets.size()-1, j in
//    row-major order of the reduced dims (a fixed order: results do not
//    depend on the thread count).
//  - VisitDType(d, f) calls f(T{}) with T the C++ type of d and returns
//    true; false for f16/bf16 (callers reject those).
#ifndef QUANTSIM_KERNELS_CPU_LOGIC_INDEX_PLAN_H_
#define QUANTSIM_KERNELS_CPU_LOGIC_INDEX_PLAN_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/dtype.h"
#include "engine/thread_pool.h"

namespace quantsim::kernels {

struct BroadcastPlan {
  std::vector<int64_t> out_dims;
  std::vector<std::vector<int64_t>> strides;  // per input, rank of out_dims
  int64_t rows() const;
  int64_t row_len() const { return out_dims.empty() ? 1 : out_dims.back(); }
};

// `ins` must broadcast to `out_dims` (callers check; debug-asserted).
BroadcastPlan MakeBroadcastPlan(const std::vector<int64_t>& out_dims,
                                const std::vector<std::vector<int64_t>>& ins);

// The offset of row `row` in every input (size = number of inputs).
void BroadcastRowOffsets(const BroadcastPlan& p, int64_t row, int64_t* offs);

template <typename F>
void ForEachBroadcastRow(const BroadcastPlan& p, engine::ThreadPool* pool,
                         F&& fn) {
  const int64_t rows = p.rows();
  const int64_t len = p.row_len();
  if (rows == 0 || len == 0) return;
  const size_t n_in = p.strides.size();
  std::vector<int64_t> inner(n_in);
  for (size_t k = 0; k < n_in; ++k) {
    inner[k] = p.out_dims.empty() ? 0 : p.strides[k].back();
  }
  const int64_t grain = std::max<int64_t>(1, 16384 / len);
  engine::ParallelFor(pool, rows, grain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> offs(n_in);
    for (int64_t r = b; r < e; ++r) {
      BroadcastRowOffsets(p, r, offs.data());
      fn(r * len, len, offs.data(), inner.data());
    }
  });
}

struct ReducePlan {
  std::vector<int64_t> kept_dims;     // dims not reduced, in order
  std::vector<int64_t> kept_strides;  // their strides in the input
  std::vector<int64_t> offsets;       // reduced positions, row-major
  int64_t num_outputs() const;
  int64_t Base(int64_t o) const;  // input offset of output element o
};

// `axes` sorted, unique, in [0, dims.size()).
ReducePlan MakeReducePlan(const std::vector<int64_t>& dims,
                          const std::vector<int>& axes);

// fn(o, base) for every output element, split over `pool`.
template <typename F>
void ForEachReduced(const ReducePlan& p, engine::ThreadPool* pool, F&& fn) {
  const int64_t n = p.num_outputs();
  const int64_t per = std::max<int64_t>(1, p.offsets.size());
  const int64_t grain = std::max<int64_t>(1, 16384 / per);
  engine::ParallelFor(pool, n, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) fn(o, p.Base(o));
  });
}

template <typename F>
bool VisitDType(engine::DType d, F&& f) {
  using engine::DType;
  switch (d) {
    case DType::kF32:
      f(float{});
      return true;
    case DType::kF64:
      f(double{});
      return true;
    case DType::kI8:
      f(int8_t{});
      return true;
    case DType::kU8:
      f(uint8_t{});
      return true;
    case DType::kI16:
      f(int16_t{});
      return true;
    case DType::kU16:
      f(uint16_t{});
      return true;
    case DType::kI32:
      f(int32_t{});
      return true;
    case DType::kU32:
      f(uint32_t{});
      return true;
    case DType::kI64:
      f(int64_t{});
      return true;
    case DType::kBool:
      f(bool{});
      return true;
    default:
      return false;
  }
}

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_LOGIC_INDEX_PLAN_H_
