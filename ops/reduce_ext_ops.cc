// ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp,
// ReduceSumSquare (ONNX 1..18), one table entry each. Axes come from the
// optional int64 input 1 (opset 18) or the `axes` attribute (earlier
// opsets); keepdims (default 1); noop_with_empty_axes (default 0): empty
// axes reduce everything, or are the identity when set. f32/f64 accumulate
// in double (fixed order: thread-count independent); integer dtypes (Prod,
// L1, L2, SumSquare) accumulate in their own type. LogSumExp subtracts the
// maximum first.
// Backward (f32): the internal op ReduceExtGrad(dy, x, y [, axes]) with the
// forward attributes plus op = <forward type>: dx = dy * dy/dx with Prod:
// the product of the other elements; L1: sign(x); L2: x / y (0 where y =
// 0); LogSum: 1 / exp(y); LogSumExp: exp(x - y); SumSquare: 2x.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

enum class Kind { kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

struct Entry {
  const char* type;
  Kind kind;
  bool ints;  // integer inputs accepted
};

constexpr Entry kTable[] = {
    {"ReduceProd", Kind::kProd, true},
    {"ReduceL1", Kind::kL1, true},
    {"ReduceL2", Kind::kL2, true},
    {"ReduceLogSum", Kind::kLogSum, false},
    {"ReduceLogSumExp", Kind::kLogSumExp, false},
    {"ReduceSumSquare", Kind::kSumSquare, true},
};

struct Config {
  const Entry* e = nullptr;
  std::vector<int64_t> attr_axes;
  bool keepdims = true;
  bool noop = false;
};

absl::StatusOr<Config> ParseAs(const graph::Node& node,
                               const std::string& type) {
  const std::string where = node.Describe();
  Config c;
  for (const Entry& e : kTable) {
    if (type == e.type) c.e = &e;
  }
  if (c.e == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown reduction '", type, "'"));
  }
  QS_ASSIGN_OR_RETURN(c.attr_axes, node.attrs.GetIntsOr("axes", {}, where));
  QS_ASSIGN_OR_RETURN(int64_t k, node.attrs.GetIntOr("keepdims", 1, where));
  QS_ASSIGN_OR_RETURN(int64_t n,
                      node.attrs.GetIntOr("noop_with_empty_axes", 0, where));
  c.keepdims = k != 0;
  c.noop = n != 0;
  return c;
}

absl::StatusOr<std::vector<int>> ResolveAxes(const Config& c,
                                             const std::vector<int64_t>& raw,
                                             int rank, bool* identity) {
  *identity = false;
  if (raw.empty()) {
    std::vector<int> all;
    if (c.noop) {
      *identity = true;
      return all;
    }
    for (int i = 0; i < rank; ++i) all.push_back(i);
    return all;
  }
  QS_ASSIGN_OR_RETURN(std::vector<int> out, NormalizeAxes(raw, rank));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> OutDims(const std::vector<int64_t>& x,
                             const std::vector<int>& axes, bool keepdims) {
  std::vector<int64_t> out;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) {
      out.push_back(x[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> RunAxes(const graph::KernelContext& ctx,
                                             int index, const Config& c) {
  if (ctx.has_input(index)) return TensorToInts(ctx.input(index));
  return c.attr_axes;
}

template <typename T>
T ReduceOne(Kind k, const T* x, const std::vector<int64_t>& offs) {
  if constexpr (std::is_floating_point_v<T>) {
    double acc = k == Kind::kProd ? 1.0 : 0.0;
    if (k == Kind::kLogSumExp) {
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t o : offs) m = std::max<double>(m, x[o]);
      if (std::isinf(m)) return static_cast<T>(m);
      for (int64_t o : offs) acc += std::exp(static_cast<double>(x[o]) - m);
      return static_cast<T>(m + std::log(acc));
    }
    for (int64_t o : offs) {
      const double v = x[o];
      switch (k) {
        case Kind::kProd:
          acc *= v;
          break;
        case Kind::kL1:
          acc += std::fabs(v);
          break;
        case Kind::kL2:
        case Kind::kSumSquare:
          acc += v * v;
          break;
        default:  // LogSum
          acc += v;
      }
    }
    if (k == Kind::kL2) acc = std::sqrt(acc);
    if (k == Kind::kLogSum) acc = std::log(acc);
    return static_cast<T>(acc);
  } else {
    T acc = k == Kind::kProd ? T(1) : T(0);
    for (int64_t o : offs) {
      const T v = x[o];
      switch (k) {
        case Kind::kProd:
          acc = static_cast<T>(acc * v);
          break;
        case Kind::kL1:
          acc = static_cast<T>(acc + (v < T(0) ? T(0) - v : v));
          break;
        default:  // L2, SumSquare
          acc = static_cast<T>(acc + v * v);
      }
    }
    if (k == Kind::kL2) {
      acc = static_cast<T>(std::sqrt(static_cast<double>(acc)));
    }
    return acc;
  }
}

class ReduceExtKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReduceExtKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReduceExtKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseAs(node, node.op_type));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> raw, RunAxes(ctx, 1, c_));
    bool identity;
    absl::StatusOr<std::vector<int>> axes =
        ResolveAxes(c_, raw, x.rank(), &identity);
    if (!axes.ok()) return ctx.Error(std::string(axes.status().message()));
    if (identity) {
      ctx.SetOutput(0, x);
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(
            0, engine::Shape(OutDims(x.shape().dims(), *axes, c_.keepdims)),
            x.dtype()));
    const kernels::ReducePlan p =
        kernels::MakeReducePlan(x.shape().dims(), *axes);
    const Kind k = c_.e->kind;
    kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        const T* px = x.data<T>();
        T* py = y.data<T>();
        kernels::ForEachReduced(p, ctx.pool(), [&](int64_t o, int64_t base) {
          py[o] = ReduceOne<T>(k, px + base, p.offsets);
        });
      }
    });
    return absl::OkStatus();
  }

 private:
  Config c_;
};

class ReduceExtGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReduceExtGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReduceExtGradKernel>();
    QS_ASSIGN_OR_RETURN(std::string op,
                        node.attrs.GetString("op", node.Describe()));
    QS_ASSIGN_OR_RETURN(k->c_, ParseAs(node, op));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> raw, RunAxes(ctx, 3, c_));
    bool identity;
    absl::StatusOr<std::vector<int>> axes =
        ResolveAxes(c_, raw, x.rank(), &identity);
    if (!axes.ok()) return ctx.Error(std::string(axes.status().message()));
    std::vector<int> all_axes = *axes;
    if (identity) all_axes.clear();
    const kernels::ReducePlan p =
        kernels::MakeReducePlan(x.shape().dims(), all_axes);
    if (dy.numel() != p.num_outputs() || y.numel() != p.num_outputs()) {
      return ctx.Error("dy " + dy.shape().ToString() +
                       " does not match the reduction of " +
                       x.shape().ToString());
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    const float* pdy = dy.data<float>();
    const float* px = x.data<float>();
    const float* py = y.data<float>();
    float* pdx = dx.data<float>();
    const Kind k = identity ? Kind::kL1 : c_.e->kind;
    if (identity) {  // y = x
      std::copy(pdy, pdy + dy.numel(), pdx);
      return absl::OkStatus();
    }
    kernels::ForEachReduced(p, ctx.pool(), [&](int64_t o, int64_t base) {
      const double g = pdy[o], yo = py[o];
      for (size_t j = 0; j < p.offsets.size(); ++j) {
        const int64_t at = base + p.offsets[j];
        const double v = px[at];
        double d = 0;
        switch (k) {
          case Kind::kProd:
            if (v != 0) {
              d = yo / v;
            } else {
              d = 1;
              for (size_t i = 0; i < p.offsets.size(); ++i) {
                if (i != j) d *= px[base + p.offsets[i]];
              }
            }
            break;
          case Kind::kL1:
            d = v > 0 ? 1 : v < 0 ? -1 : 0;
            break;
          case Kind::kL2:
            d = yo == 0 ? 0 : v / yo;
            break;
          case Kind::kLogSum:
            d = 1 / std::exp(yo);
            break;
          case Kind::kLogSumExp:
            d = std::exp(v - yo);
            break;
          case Kind::kSumSquare:
            d = 2 * v;
            break;
        }
        pdx[at] = static_cast<float>(g * d);
      }
    });
    return absl::OkStatus();
  }

 private:
  Config c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(Config cfg, ParseAs(c.node(), c.node().op_type));
  const bool ints = cfg.e->ints;
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0,
      [ints](engine::DType d) {
        return IsFloatDType(d) || (ints && IsIntDType(d));
      },
      ints ? "numeric" : "f32 or f64"));
  const graph::ValueType& x = c.input(0);
  std::vector<int64_t> raw = cfg.attr_axes;
  bool known = true;
  if (c.has_input(1)) {
    QS_RETURN_IF_ERROR(RequireDType(
        c, 1, [](engine::DType d) { return d == engine::DType::kI64; }, "i64"));
    if (const engine::Tensor* t = c.constant_input(1)) {
      absl::StatusOr<std::vector<int64_t>> v = TensorToInts(*t);
      if (!v.ok()) return c.Error(std::string(v.status().message()));
      raw = *v;
    } else {
      known = false;
    }
  }
  if (!x.has_rank || (!known && !cfg.keepdims)) {
    c.set_output(0, graph::ValueType{x.dtype, {}, false});
    return absl::OkStatus();
  }
  if (!known) {
    c.set_output(
        0, TypeWithDims(x.dtype, std::vector<int64_t>(x.dims.size(), -1)));
    return absl::OkStatus();
  }
  bool identity;
  absl::StatusOr<std::vector<int>> axes =
      ResolveAxes(cfg, raw, static_cast<int>(x.dims.size()), &identity);
  if (!axes.ok()) return c.Error(std::string(axes.status().message()));
  if (identity) {
    c.set_output(0, x);
  } else {
    c.set_output(0,
                 TypeWithDims(x.dtype, OutDims(x.dims, *axes, cfg.keepdims)));
  }
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  if (b.input_type(0).dtype != engine::DType::kF32) {
    return absl::InvalidArgumentError(b.node().Describe() +
                                      ": gradients are computed for f32 only");
  }
  const graph::Node& node = b.node();
  graph::Attributes attrs = node.attrs;
  attrs.Set("op", node.op_type);
  QS_ASSIGN_OR_RETURN(
      graph::ValueId dx,
      b.Emit1("ReduceExtGrad",
              {b.output_grad(0), b.input(0), b.output(0),
               node.inputs.size() > 1 ? node.inputs[1] : graph::kNoValue},
              std::move(attrs)));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

graph::OpDef MakeReduceExt(const char* type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.attrs = {{"axes", graph::AttrType::kInts},
             {"keepdims", graph::AttrType::kInt},
             {"noop_with_empty_axes", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ReduceExtKernel>;
  d.backward = Backward;
  d.onnx = {type, "", 1};
  return d;
}

}  // namespace

graph::OpDef MakeReduceProdOp() { return MakeReduceExt("ReduceProd"); }
graph::OpDef MakeReduceL1Op() { return MakeReduceExt("ReduceL1"); }
graph::OpDef MakeReduceL2Op() { return MakeReduceExt("ReduceL2"); }
graph::OpDef MakeReduceLogSumOp() { return MakeReduceExt("ReduceLogSum"); }
graph::OpDef MakeReduceLogSumExpOp() {
  return MakeReduceExt("ReduceLogSumExp");
}
graph::OpDef MakeReduceSumSquareOp() {
  return MakeReduceExt("ReduceSumSquare");
}

graph::OpDef MakeReduceExtGradOp() {
  graph::OpDef d;
  d.type = "ReduceExtGrad";
  d.min_inputs = 3;
  d.max_inputs = 4;
  d.attrs = {{"op", graph::AttrType::kString, true}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    for (int i = 0; i < 3; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<ReduceExtGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
