// TopK(X, K) (ONNX 10/11): the K largest (largest = 1, default) or smallest
// elements along `axis` (default -1) -> (Values, Indices int64). K is a
// one-element int64 tensor, 0 <= K <= dim. Equal values keep the lower
// index first (ONNX); the output is always sorted (sorted = 0 allows any
// order, so sorted order is valid too). NaN counts as larger than every
// number. Numeric dtypes.
// Backward (f32, w.r.t. X): the internal op TopKGrad(dValues, X, Indices;
// axis) scatters dValues to the selected positions of zeros shaped like X.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

struct Config {
  int64_t axis = -1;
  bool largest = true;
};

absl::StatusOr<Config> Parse(const graph::Node& node) {
  const std::string where = node.Describe();
  Config c;
  QS_ASSIGN_OR_RETURN(c.axis, node.attrs.GetIntOr("axis", -1, where));
  QS_ASSIGN_OR_RETURN(int64_t l, node.attrs.GetIntOr("largest", 1, where));
  c.largest = l != 0;
  return c;
}

// Orders (value, index) pairs: "a before b" in the requested direction.
template <typename T>
bool Before(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b,
            bool largest) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool an = std::isnan(a.first), bn = std::isnan(b.first);
    if (an || bn) {
      if (an && bn) return a.second < b.second;
      return largest ? an : bn;
    }
  }
  if (a.first != b.first) {
    return largest ? a.first > b.first : a.first < b.first;
  }
  return a.second < b.second;
}

class TopKKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<TopKKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<TopKKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, Parse(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<int> axis = NormalizeAxis(c_.axis, x.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> kv, TensorToInts(ctx.input(1)));
    const int64_t n = x.dim(*axis);
    if (kv.size() != 1 || kv[0] < 0 || kv[0] > n) {
      return ctx.Error(absl::StrCat("K must be one value in [0, ", n, "]"));
    }
    const int64_t k = kv[0];
    std::vector<int64_t> ydims = x.shape().dims();
    ydims[*axis] = k;
    QS_ASSIGN_OR_RETURN(engine::Tensor vals,
                        ctx.AllocateOutput(0, engine::Shape(ydims), x.dtype()));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor idx,
        ctx.AllocateOutput(1, engine::Shape(ydims), engine::DType::kI64));
    const int64_t outer = x.shape().Product(0, *axis);
    const int64_t inner = x.shape().Product(*axis + 1, x.rank());
    const bool largest = c_.largest;
    int64_t* pi = idx.data<int64_t>();
    kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T* pv = vals.data<T>();
      engine::ParallelFor(
          ctx.pool(), outer * inner, std::max<int64_t>(1, 4096 / (n + 1)),
          [&](int64_t b, int64_t e) {
            std::vector<std::pair<T, int64_t>> row(n);
            for (int64_t s = b; s < e; ++s) {
              const int64_t o = s / inner, i = s % inner;
              const T* src = px + o * n * inner + i;
              for (int64_t j = 0; j < n; ++j) row[j] = {src[j * inner], j};
              std::partial_sort(row.begin(), row.begin() + k, row.end(),
                                [largest](const auto& a, const auto& c) {
                                  return Before<T>(a, c, largest);
                                });
              const int64_t base = o * k * inner + i;
              for (int64_t j = 0; j < k; ++j) {
                pv[base + j * inner] = row[j].first;
                pi[base + j * inner] = row[j].second;
              }
            }
          });
    });
    return absl::OkStatus();
  }

 private:
  Config c_;
};

// TopKGrad(dValues, X, Indices; axis) -> dX.
class TopKGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<TopKGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<TopKGradKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, Parse(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dv, ctx.input(0).Contiguous());
    const engine::Shape& xs = ctx.input(1).shape();
    QS_ASSIGN_OR_RETURN(engine::Tensor idx, ctx.input(2).Contiguous());
    absl::StatusOr<int> axis = NormalizeAxis(c_.axis, xs.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    if (dv.shape() != idx.shape() || dv.rank() != xs.rank()) {
      return ctx.Error("dValues and Indices must have one shape");
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, xs));
    float* pdx = dx.data<float>();
    std::fill(pdx, pdx + dx.numel(), 0.0f);
    const int64_t n = xs.dim(*axis), k = dv.dim(*axis);
    const int64_t outer = xs.Product(0, *axis);
    const int64_t inner = xs.Product(*axis + 1, xs.rank());
    const float* pdv = dv.data<float>();
    const int64_t* pi = idx.data<int64_t>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < k; ++j) {
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t s = (o * k + j) * inner + i;
          const int64_t t = pi[s];
          if (t < 0 || t >= n) return ctx.Error("index out of range");
          pdx[(o * n + t) * inner + i] += pdv[s];
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  Config c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0, [](engine::DType d) { return IsFloatDType(d) || IsIntDType(d); },
      "numeric"));
  QS_RETURN_IF_ERROR(RequireDType(c, 1, IsIndexDType, "i64"));
  QS_ASSIGN_OR_RETURN(Config cfg, Parse(c.node()));
  const graph::ValueType& x = c.input(0);
  if (!x.has_rank) {
    c.set_output(0, graph::ValueType{x.dtype, {}, false});
    c.set_output(1, graph::ValueType{engine::DType::kI64, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<int> axis =
      NormalizeAxis(cfg.axis, static_cast<int>(x.dims.size()));
  if (!axis.ok()) return c.Error(std::string(axis.status().message()));
  std::vector<int64_t> dims = x.dims;
  dims[*axis] = -1;
  if (const engine::Tensor* t = c.constant_input(1)) {
    absl::StatusOr<std::vector<int64_t>> k = TensorToInts(*t);
    if (!k.ok()) return c.Error(std::string(k.status().message()));
    if (k->size() != 1 || (*k)[0] < 0 ||
        (x.dims[*axis] >= 0 && (*k)[0] > x.dims[*axis])) {
      return c.Error("K must be one value in [0, dim]");
    }
    dims[*axis] = (*k)[0];
  }
  c.set_output(0, TypeWithDims(x.dtype, dims));
  c.set_output(1, TypeWithDims(engine::DType::kI64, dims));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0) || b.output_grad(0) == graph::kNoValue) {
    return absl::OkStatus();
  }
  QS_ASSIGN_OR_RETURN(
      graph::ValueId g,
      b.Emit1("TopKGrad", {b.output_grad(0), b.input(0), b.output(1)},
              b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeTopKOp() {
  graph::OpDef d;
  d.type = "TopK";
  d.min_inputs = d.max_inputs = 2;
  d.min_outputs = d.max_outputs = 2;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"largest", graph::AttrType::kInt},
             {"sorted", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<TopKKernel>;
  d.backward = Backward;
  d.onnx = {"TopK", "", 11};
  return d;
}

graph::OpDef MakeTopKGradOp() {
  graph::OpDef d;
  d.type = "TopKGrad";
  d.min_inputs = d.max_inputs = 3;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    QS_RETURN_IF_ERROR(RequireF32(c, 0));
    graph::ValueType t = c.input(1);
    t.dtype = engine::DType::kF32;
    c.set_output(0, t);
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<TopKGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
