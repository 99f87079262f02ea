// Index and tensor builders (ONNX semantics; none is differentiable):
//   NonZero(X) (9/13): int64 [rank, nnz], the indices of the non-zero
//     elements in row-major order. Any dtype.
//   OneHot(indices, depth, values; axis = -1) (9/11): the output inserts a
//     depth-long axis at `axis` (in [-r-1, r]); out = values[1] where the
//     index (negative ones + depth) equals the position, values[0]
//     elsewhere (also for an out-of-range index). indices and depth numeric
//     (depth one element, floats truncated), values [off, on] of the output
//     dtype.
//   Range(start, limit, delta) (11): max(ceil((limit - start) / delta), 0)
//     elements start + i * delta; scalars of one dtype (f32, f64, i16, i32,
//     i64).
//   EyeLike(input; dtype, k = 0) (9): ones on the k-th diagonal of a 2-D
//     tensor shaped like input, of `dtype` (ONNX code; default input's).
//   Size(data) (1/13): the int64 scalar number of elements.
#include <cmath>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

using engine::DType;

bool Numeric(DType d) { return IsFloatDType(d) || IsIntDType(d); }

// ---- NonZero ----
class NonZeroKernel final : public graph::OpKernel {
 public:
  explicit NonZeroKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    std::vector<int64_t> hits;
    const bool ok = kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* p = x.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i) {
        if (p[i] != T(0)) hits.push_back(i);
      }
    });
    if (!ok) return ctx.Error("unsupported dtype");
    const int r = x.rank();
    const int64_t n = static_cast<int64_t>(hits.size());
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape({r, n}), DType::kI64));
    int64_t* py = y.data<int64_t>();
    for (int64_t j = 0; j < n; ++j) {
      int64_t rem = hits[j];
      for (int k = r - 1; k >= 0; --k) {
        py[k * n + j] = rem % x.dim(k);
        rem /= x.dim(k);
      }
    }
    return absl::OkStatus();
  }
};

absl::Status InferNonZero(graph::InferContext& c) {
  const graph::ValueType& x = c.input(0);
  if (!x.has_rank) {
    c.set_output(0, TypeWithDims(DType::kI64, {-1, -1}));
  } else {
    c.set_output(0, TypeWithDims(DType::kI64,
                                 {static_cast<int64_t>(x.dims.size()), -1}));
  }
  return absl::OkStatus();
}

// ---- OneHot ----
class OneHotKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<OneHotKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<OneHotKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", -1, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor ind, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor vals, ctx.input(2).Contiguous());
    absl::StatusOr<double> dd = ScalarAsDouble(ctx.input(1), "depth");
    if (!dd.ok()) return ctx.Error(std::string(dd.status().message()));
    const int64_t depth = static_cast<int64_t>(*dd);
    if (depth < 1) return ctx.Error("depth must be >= 1");
    if (vals.numel() != 2) return ctx.Error("values must have 2 elements");
    absl::StatusOr<int> axis = NormalizeAxis(axis_, ind.rank() + 1);
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    std::vector<int64_t> dims = ind.shape().dims();
    dims.insert(dims.begin() + *axis, depth);
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(dims), vals.dtype()));
    std::vector<int64_t> idx(ind.numel());
    const bool ok = kernels::VisitDType(ind.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* p = ind.data<T>();
      for (int64_t i = 0; i < ind.numel(); ++i) {
        idx[i] = static_cast<int64_t>(p[i]);
      }
    });
    if (!ok) return ctx.Error("unsupported indices dtype");
    const int64_t outer = ind.shape().Product(0, *axis);
    const int64_t inner = ind.shape().Product(*axis, ind.rank());
    const size_t es = engine::DTypeSize(vals.dtype());
    const char* off = static_cast<const char*>(vals.raw_data());
    const char* on = off + es;
    char* py = static_cast<char*>(y.raw_data());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t d = 0; d < depth; ++d) {
        for (int64_t i = 0; i < inner; ++i) {
          int64_t v = idx[o * inner + i];
          if (v < 0) v += depth;
          std::memcpy(py + ((o * depth + d) * inner + i) * es,
                      v == d ? on : off, es);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_ = -1;
};

absl::Status InferOneHot(graph::InferContext& c) {
  for (int i = 0; i < 3; ++i) {
    QS_RETURN_IF_ERROR(RequireDType(c, i, Numeric, "numeric"));
  }
  QS_ASSIGN_OR_RETURN(int64_t axis,
                      c.attrs().GetIntOr("axis", -1, c.node().Describe()));
  const graph::ValueType& ind = c.input(0);
  const DType out = c.input(2).dtype;
  if (!ind.has_rank) {
    c.set_output(0, graph::ValueType{out, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<int> a =
      NormalizeAxis(axis, static_cast<int>(ind.dims.size()) + 1);
  if (!a.ok()) return c.Error(std::string(a.status().message()));
  int64_t depth = -1;
  if (const engine::Tensor* t = c.constant_input(1)) {
    absl::StatusOr<double> d = ScalarAsDouble(*t, "depth");
    if (!d.ok()) return c.Error(std::string(d.status().message()));
    depth = static_cast<int64_t>(*d);
  }
  std::vector<int64_t> dims = ind.dims;
  dims.insert(dims.begin() + *a, depth);
  c.set_output(0, TypeWithDims(out, std::move(dims)));
  return absl::OkStatus();
}

// ---- Range ----
template <typename T>
int64_t RangeCount(T start, T limit, T delta) {
  const double n = std::ceil((static_cast<double>(limit) - start) /
                             static_cast<double>(delta));
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

class RangeKernel final : public graph::OpKernel {
 public:
  explicit RangeKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const DType dt = ctx.input(0).dtype();
    for (int i = 0; i < 3; ++i) {
      if (ctx.input(i).numel() != 1 || ctx.input(i).dtype() != dt) {
        return ctx.Error("start, limit, delta must be scalars of one dtype");
      }
    }
    absl::Status status = absl::OkStatus();
    kernels::VisitDType(dt, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        status = ctx.Error("Range of bool");
      } else {
        const T start = *ctx.input(0).data<T>();
        const T limit = *ctx.input(1).data<T>();
        const T delta = *ctx.input(2).data<T>();
        if (delta == T(0)) {
          status = ctx.Error("delta must not be 0");
          return;
        }
        const int64_t n = RangeCount(start, limit, delta);
        absl::StatusOr<engine::Tensor> y =
            ctx.AllocateOutput(0, engine::Shape({n}), dt);
        if (!y.ok()) {
          status = y.status();
          return;
        }
        T* p = y->data<T>();
        for (int64_t i = 0; i < n; ++i) {
          p[i] = static_cast<T>(start + static_cast<T>(i) * delta);
        }
      }
    });
    return status;
  }
};

absl::Status InferRange(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(c, 0, Numeric, "numeric"));
  QS_RETURN_IF_ERROR(RequireSameDType(c, 0, 1));
  QS_RETURN_IF_ERROR(RequireSameDType(c, 0, 2));
  int64_t n = -1;
  const engine::Tensor* s = c.constant_input(0);
  const engine::Tensor* l = c.constant_input(1);
  const engine::Tensor* d = c.constant_input(2);
  if (s && l && d) {
    absl::StatusOr<double> sv = ScalarAsDouble(*s, "start");
    absl::StatusOr<double> lv = ScalarAsDouble(*l, "limit");
    absl::StatusOr<double> dv = ScalarAsDouble(*d, "delta");
    if (!sv.ok() || !lv.ok() || !dv.ok() || *dv == 0) {
      return c.Error("start, limit, delta must be scalars, delta != 0");
    }
    n = RangeCount(*sv, *lv, *dv);
  }
  c.set_output(0, TypeWithDims(c.input(0).dtype, {n}));
  return absl::OkStatus();
}

// ---- EyeLike ----
absl::StatusOr<DType> EyeDType(const graph::Node& node, DType input) {
  if (!node.attrs.Has("dtype")) return input;
  QS_ASSIGN_OR_RETURN(int64_t code,
                      node.attrs.GetInt("dtype", node.Describe()));
  return DTypeFromOnnx(code);
}

class EyeLikeKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<EyeLikeKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<EyeLikeKernel>();
    QS_ASSIGN_OR_RETURN(k->k_, node.attrs.GetIntOr("k", 0, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    if (x.rank() != 2) return ctx.Error("input must be 2-D");
    QS_ASSIGN_OR_RETURN(DType dt, EyeDType(ctx.node(), x.dtype()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape(), dt));
    const int64_t rows = x.dim(0), cols = x.dim(1), k = k_;
    const bool ok = kernels::VisitDType(dt, [&](auto tag) {
      using T = decltype(tag);
      T* p = y.data<T>();
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          p[i * cols + j] = j - i == k ? T(1) : T(0);
        }
      }
    });
    if (!ok) return ctx.Error("unsupported dtype");
    return absl::OkStatus();
  }

 private:
  int64_t k_ = 0;
};

absl::Status InferEyeLike(graph::InferContext& c) {
  const graph::ValueType& x = c.input(0);
  absl::StatusOr<DType> dt = EyeDType(c.node(), x.dtype);
  if (!dt.ok()) return c.Error(std::string(dt.status().message()));
  if (x.has_rank && x.dims.size() != 2) {
    return c.Error("input must be 2-D, is " + x.ToString());
  }
  graph::ValueType t = x;
  t.dtype = *dt;
  c.set_output(0, t);
  return absl::OkStatus();
}

// ---- Size ----
class SizeKernel final : public graph::OpKernel {
 public:
  explicit SizeKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(), DType::kI64));
    *y.data<int64_t>() = ctx.input(0).numel();
    return absl::OkStatus();
  }
};

graph::OpDef Base(const char* type, int in, int opset) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = in;
  d.differentiable = false;
  d.onnx = {type, "", opset};
  return d;
}

}  // namespace

graph::OpDef MakeNonZeroOp() {
  graph::OpDef d = Base("NonZero", 1, 9);
  d.infer = InferNonZero;
  d.make_cpu_kernel = MakeKernel<NonZeroKernel>;
  return d;
}

graph::OpDef MakeOneHotOp() {
  graph::OpDef d = Base("OneHot", 3, 9);
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = InferOneHot;
  d.make_cpu_kernel = MakeKernel<OneHotKernel>;
  return d;
}

graph::OpDef MakeRangeOp() {
  graph::OpDef d = Base("Range", 3, 11);
  d.infer = InferRange;
  d.make_cpu_kernel = MakeKernel<RangeKernel>;
  return d;
}

graph::OpDef MakeEyeLikeOp() {
  graph::OpDef d = Base("EyeLike", 1, 9);
  d.attrs = {{"dtype", graph::AttrType::kInt}, {"k", graph::AttrType::kInt}};
  d.infer = InferEyeLike;
  d.make_cpu_kernel = MakeKernel<EyeLikeKernel>;
  return d;
}

graph::OpDef MakeSizeOp() {
  graph::OpDef d = Base("Size", 1, 1);
  d.infer = [](graph::InferContext& c) -> absl::Status {
    c.set_output(0, TypeWithDims(DType::kI64, {}));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<SizeKernel>;
  return d;
}

}  // namespace quantsim::ops
