// Baseline-ISA TU: axis grouping, the fixed reduction order of reduce.h,
// chunking and ISA dispatch. Scalar code here mirrors the SIMD lanes.
#include "kernels/cpu/reduce/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/reduce/reduce_simd.h"

namespace quantsim::kernels {
namespace {

constexpr int kLanes = 16;

// 0 sum, 1 max, 2 min.
inline float Apply(int op, float a, float b) {
  if (op == 0) return a + b;
  if (op == 1) return b != b ? b : (a < b ? b : a);
  return b != b ? b : (b < a ? b : a);
}

inline float Identity(int op) {
  if (op == 0) return 0.0f;
  const float inf = std::numeric_limits<float>::infinity();
  return op == 1 ? -inf : inf;
}

void LanesAny(engine::Isa isa, int op, const float* x, int64_t n16,
              float* lanes) {
  internal::ReduceSimdKernel k;
  switch (isa) {
    case engine::Isa::kSse2:
      return k.Lanes(xsimd::sse2{}, op, x, n16, lanes);
    case engine::Isa::kAvx2:
      return k.Lanes(xsimd::avx2{}, op, x, n16, lanes);
    case engine::Isa::kAvx512:
      return k.Lanes(xsimd::avx512bw{}, op, x, n16, lanes);
    case engine::Isa::kScalar:
      break;
  }
  for (int64_t b = 0; b < n16; ++b) {
    for (int j = 0; j < kLanes; ++j) {
      lanes[j] = Apply(op, lanes[j], x[b * kLanes + j]);
    }
  }
}

void VerticalAny(engine::Isa isa, int op, float* y, const float* x, int64_t n) {
  internal::ReduceSimdKernel k;
  int64_t done = 0;
  switch (isa) {
    case engine::Isa::kSse2:
      done = k.Vertical(xsimd::sse2{}, op, y, x, n);
      break;
    case engine::Isa::kAvx2:
      done = k.Vertical(xsimd::avx2{}, op, y, x, n);
      break;
    case engine::Isa::kAvx512:
      done = k.Vertical(xsimd::avx512bw{}, op, y, x, n);
      break;
    case engine::Isa::kScalar:
      break;
  }
  for (int64_t i = done; i < n; ++i) y[i] = Apply(op, y[i], x[i]);
}

// One block (len <= kReduceBlock) in the lane order of reduce.h.
float BlockReduce(engine::Isa isa, int op, const float* x, int64_t len) {
  alignas(64) float lanes[kLanes];
  std::fill(lanes, lanes + kLanes, Identity(op));
  const int64_t n16 = len / kLanes;
  LanesAny(isa, op, x, n16, lanes);
  for (int64_t i = n16 * kLanes; i < len; ++i) {
    lanes[i - n16 * kLanes] = Apply(op, lanes[i - n16 * kLanes], x[i]);
  }
  for (int w = kLanes / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) lanes[j] = Apply(op, lanes[j], lanes[j + w]);
  }
  return lanes[0];
}

// y[r] = reduction of the contiguous row x[r * len, (r + 1) * len).
void RowReduce(engine::Isa isa, int op, const float* x, int64_t rows,
               int64_t len, float* y, engine::ThreadPool* pool) {
  const int64_t nb =
      std::max<int64_t>(1, (len + kReduceBlock - 1) / kReduceBlock);
  const int64_t grain =
      std::max<int64_t>(1, kReduceGrain / std::min(len, kReduceBlock) + 1);
  if (nb == 1) {
    engine::ParallelFor(pool, rows, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        y[r] = BlockReduce(isa, op, x + r * len, len);
    });
    return;
  }
  std::vector<float> partial(rows * nb);
  engine::ParallelFor(pool, rows * nb, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t r = t / nb, blk = t % nb;
      const int64_t start = blk * kReduceBlock;
      partial[t] = BlockReduce(isa, op, x + r * len + start,
                               std::min(kReduceBlock, len - start));
    }
  });
  for (int64_t r = 0; r < rows; ++r) {
    float acc = partial[r * nb];
    for (int64_t blk = 1; blk < nb; ++blk) {
      acc = Apply(op, acc, partial[r * nb + blk]);
    }
    y[r] = acc;
  }
}

struct Group {
  int64_t size;
  bool reduced;
};

// x has the (contiguous) groups g[0..m), the last one kept (size inner).
// y[kept index] = op over reduced indices, row-major, elementwise over inner.
void OuterReduce(engine::Isa isa, int op, const float* x,
                 const std::vector<Group>& g, float* y,
                 engine::ThreadPool* pool) {
  const int m = static_cast<int>(g.size());
  std::vector<int64_t> stride(m);
  int64_t s = 1;
  for (int i = m - 1; i >= 0; --i) stride[i] = s, s *= g[i].size;
  std::vector<int> kept, red;
  for (int i = 0; i + 1 < m; ++i) (g[i].reduced ? red : kept).push_back(i);
  const int64_t inner = g[m - 1].size;
  int64_t out_rows = 1, red_count = 1;
  for (int i : kept) out_rows *= g[i].size;
  for (int i : red) red_count *= g[i].size;
  engine::ParallelFor(
      pool, out_rows * inner, kReduceGrain, [&](int64_t b, int64_t e) {
        for (int64_t pos = b; pos < e;) {
          const int64_t row = pos / inner, col = pos % inner;
          const int64_t len = std::min(inner - col, e - pos);
          int64_t base = col, rem = row;
          for (int k = static_cast<int>(kept.size()) - 1; k >= 0; --k) {
            base += (rem % g[kept[k]].size) * stride[kept[k]];
            rem /= g[kept[k]].size;
          }
          float* out = y + pos;
          std::fill(out, out + len, Identity(op));
          std::vector<int64_t> idx(red.size(), 0);
          int64_t off = base;
          for (int64_t r = 0; r < red_count; ++r) {
            VerticalAny(isa, op, out, x + off, len);
            for (int k = static_cast<int>(red.size()) - 1; k >= 0; --k) {
              off += stride[red[k]];
              if (++idx[k] < g[red[k]].size) break;
              off -= stride[red[k]] * g[red[k]].size;
              idx[k] = 0;
            }
          }
          pos += len;
        }
      });
}

}  // namespace

void Reduce(ReduceOp rop, const float* x, const Dims& x_dims, const int* axes,
            int num_axes, float* y, engine::ThreadPool* pool, engine::Isa isa) {
  const int op = rop == ReduceOp::kMax ? 1 : rop == ReduceOp::kMin ? 2 : 0;
  bool is_red[kMaxRank] = {};
  int64_t count = 1;
  for (int k = 0; k < num_axes; ++k) {
    is_red[axes[k]] = true;
    count *= x_dims.d[axes[k]];
  }
  std::vector<Group> g;
  for (int i = 0; i < x_dims.rank; ++i) {
    if (x_dims.d[i] == 1) continue;
    if (!g.empty() && g.back().reduced == is_red[i]) {
      g.back().size *= x_dims.d[i];
    } else {
      g.push_back({x_dims.d[i], is_red[i]});
    }
  }
  int64_t out_n = 1;
  for (const Group& gr : g) out_n *= gr.reduced ? 1 : gr.size;
  if (x_dims.NumElements() == 0 || count == 0) {
    const float v = rop == ReduceOp::kMean
                        ? std::numeric_limits<float>::quiet_NaN()
                        : Identity(op);
    int64_t n = 1;
    for (int i = 0; i < x_dims.rank; ++i) n *= is_red[i] ? 1 : x_dims.d[i];
    std::fill(y, y + n, v);
    return;
  }
  bool any_red = false;
  for (const Group& gr : g) any_red |= gr.reduced;
  if (!any_red) {
    std::copy(x, x + out_n, y);
    return;
  }
  std::vector<float> tmp;
  const float* src = x;
  if (g.back().reduced) {
    const int64_t len = g.back().size;
    const int64_t rows = x_dims.NumElements() / len;
    g.pop_back();
    bool more = false;
    for (const Group& gr : g) more |= gr.reduced;
    if (!more) {
      RowReduce(isa, op, x, rows, len, y, pool);
    } else {
      tmp.resize(rows);
      RowReduce(isa, op, x, rows, len, tmp.data(), pool);
      src = tmp.data();
    }
    if (!more) g.clear();
  }
  if (!g.empty()) OuterReduce(isa, op, src, g, y, pool);
  if (rop == ReduceOp::kMean) {
    const float c = static_cast<float>(count);
    for (int64_t i = 0; i < out_n; ++i) y[i] = y[i] / c;
  }
}

absl::Status ReduceChecked(ReduceOp op, const float* x, const Dims& x_dims,
                           const int* axes, int num_axes, float* y,
                           int64_t y_count, engine::ThreadPool* pool,
                           engine::Isa isa) {
  const int o = static_cast<int>(op);
  if (o < 0 || o > 3) {
    return absl::InvalidArgumentError(absl::StrCat("unknown reduce op ", o));
  }
  if (x_dims.rank < 0 || x_dims.rank > kMaxRank || num_axes < 0 ||
      num_axes > x_dims.rank || (num_axes > 0 && axes == nullptr)) {
    return absl::InvalidArgumentError("reduce: bad rank or axis count");
  }
  int norm[kMaxRank];
  bool seen[kMaxRank] = {};
  int64_t out_n = x_dims.NumElements();
  for (int k = 0; k < num_axes; ++k) {
    int a = axes[k];
    if (a < -x_dims.rank || a >= x_dims.rank) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reduce: axis ", a, " out of range for rank ", x_dims.rank));
    }
    if (a < 0) a += x_dims.rank;
    if (seen[a]) {
      return absl::InvalidArgumentError(
          absl::StrCat("reduce: duplicate axis ", a));
    }
    seen[a] = true;
    norm[k] = a;
  }
  out_n = 1;
  for (int i = 0; i < x_dims.rank; ++i) {
    if (x_dims.d[i] < 0) {
      return absl::InvalidArgumentError("reduce: negative dim");
    }
    out_n *= seen[i] ? 1 : x_dims.d[i];
  }
  if (y_count != out_n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reduce: output has ", y_count, " elements, expected ", out_n));
  }
  if (y == nullptr || (x == nullptr && x_dims.NumElements() > 0)) {
    return absl::InvalidArgumentError("reduce: null buffer");
  }
  Reduce(op, x, x_dims, norm, num_axes, y, pool, isa);
  return absl::OkStatus();
}

void ArgMax(const float* x, const Dims& dims, int axis, int64_t* out,
            bool select_last_index, engine::ThreadPool* pool) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= dims.d[i];
  for (int i = axis + 1; i < dims.rank; ++i) inner *= dims.d[i];
  const int64_t n = dims.d[axis];
  engine::ParallelFor(
      pool, outer * inner, kReduceGrain / std::max<int64_t>(n, 1) + 1,
      [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          const int64_t o = t / inner, i = t % inner;
          const float* p = x + o * n * inner + i;
          float best = n > 0 ? p[0] : 0.0f;
          int64_t arg = 0;
          for (int64_t a = 1; a < n; ++a) {
            const float v = p[a * inner];
            if (best != best) break;  // first NaN wins
            const bool better =
                v != v || (select_last_index ? v >= best : v > best);
            if (better) best = v, arg = a;
          }
          out[t] = arg;
        }
      });
}

absl::Status ArgMaxChecked(const float* x, const Dims& dims, int axis,
                           int64_t* out, bool select_last_index,
                           engine::ThreadPool* pool) {
  if (dims.rank < 1 || dims.rank > kMaxRank) {
    return absl::InvalidArgumentError("ArgMax: rank must be 1..8");
  }
  if (axis < -dims.rank || axis >= dims.rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ArgMax: axis ", axis, " out of range for rank ", dims.rank));
  }
  if (axis < 0) axis += dims.rank;
  if (dims.d[axis] < 1) {
    return absl::InvalidArgumentError("ArgMax: empty axis");
  }
  if (x == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("ArgMax: null buffer");
  }
  ArgMax(x, dims, axis, out, select_last_index, pool);
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
