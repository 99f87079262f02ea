// Gather(data, indices; axis = 0), ONNX semantics: i64 or i32 indices,
// negative ones count from the end, out-of-range ones are InvalidArgument.
//   y.dims = data.dims[:axis] + indices.dims + data.dims[axis+1:]. Any dtype.
// Backward (w.r.t. data only; indices get none): GatherGrad(g, data,
// indices; axis) (internal, f32): zeros shaped like data, g scatter-added at
// the gathered rows in index order (deterministic; repeats accumulate).
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// Indices as int64, resolved against `d`; InvalidArgument when out of range.
absl::StatusOr<std::vector<int64_t>> ResolveIndices(const engine::Tensor& t,
                                                    int64_t d) {
  QS_ASSIGN_OR_RETURN(engine::Tensor c, t.Contiguous());
  std::vector<int64_t> idx(c.numel());
  for (int64_t i = 0; i < c.numel(); ++i) {
    int64_t v = c.dtype() == engine::DType::kI64 ? c.data<int64_t>()[i]
                                                 : c.data<int32_t>()[i];
    if (v < -d || v >= d) {
      return absl::InvalidArgumentError(
          absl::StrCat("index ", v, " out of range for an axis of size ", d));
    }
    idx[i] = v < 0 ? v + d : v;
  }
  return idx;
}

template <bool kGrad>
class GatherKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<GatherKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<GatherKernel>();
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", 0, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = kGrad ? 1 : 0;  // GatherGrad: (g, data, indices)
    const engine::Tensor& data = ctx.input(first);
    const engine::Tensor& indices = ctx.input(first + 1);
    absl::StatusOr<int> axis = NormalizeAxis(axis_, data.rank());
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    const int64_t d = data.dim(*axis);
    absl::StatusOr<std::vector<int64_t>> idx = ResolveIndices(indices, d);
    if (!idx.ok()) return ctx.Error(std::string(idx.status().message()));
    const int64_t outer = data.shape().Product(0, *axis);
    const int64_t inner = data.shape().Product(*axis + 1, data.rank());
    const int64_t n = static_cast<int64_t>(idx->size());
    const int64_t grain =
        std::max<int64_t>(1, 65536 / std::max<int64_t>(1, n * inner));
    if constexpr (!kGrad) {
      std::vector<int64_t> dims(data.shape().dims().begin(),
                                data.shape().dims().begin() + *axis);
      for (int64_t v : indices.shape().dims()) dims.push_back(v);
      for (int a = *axis + 1; a < data.rank(); ++a) dims.push_back(data.dim(a));
      QS_ASSIGN_OR_RETURN(engine::Tensor x, data.Contiguous());
      QS_ASSIGN_OR_RETURN(
          engine::Tensor y,
          ctx.AllocateOutput(0, engine::Shape(dims), data.dtype()));
      const size_t row = inner * engine::DTypeSize(data.dtype());
      const char* src = static_cast<const char*>(x.raw_data());
      char* dst = static_cast<char*>(y.raw_data());
      engine::ParallelFor(ctx.pool(), outer, grain, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          for (int64_t j = 0; j < n; ++j) {
            std::memcpy(dst + (o * n + j) * row,
                        src + (o * d + (*idx)[j]) * row, row);
          }
        }
      });
    } else {
      const engine::Tensor& g = ctx.input(0);
      QS_RETURN_IF_ERROR(g.CheckDType(engine::DType::kF32, "GatherGrad g"));
      if (g.numel() != outer * n * inner) {
        return ctx.Error("gradient " + g.shape().ToString() +
                         " does not match the gather");
      }
      QS_ASSIGN_OR_RETURN(engine::Tensor gc, g.Contiguous());
      QS_ASSIGN_OR_RETURN(engine::Tensor dx,
                          ctx.AllocateOutput(0, data.shape()));
      float* out = dx.data<float>();
      const float* gd = gc.data<float>();
      std::fill(out, out + dx.numel(), 0.0f);
      engine::ParallelFor(ctx.pool(), outer, grain, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          for (int64_t j = 0; j < n; ++j) {
            float* to = out + (o * d + (*idx)[j]) * inner;
            const float* from = gd + (o * n + j) * inner;
            for (int64_t k = 0; k < inner; ++k) to[k] += from[k];
          }
        }
      });
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_ = 0;
};

template <bool kGrad>
absl::Status Infer(graph::InferContext& c) {
  const int first = kGrad ? 1 : 0;
  const graph::ValueType& data = c.input(first);
  const graph::ValueType& indices = c.input(first + 1);
  if (indices.dtype != engine::DType::kI64 &&
      indices.dtype != engine::DType::kI32) {
    return c.Error("indices must be i64 or i32, are " + indices.ToString());
  }
  if constexpr (kGrad) {
    if (c.input(0).dtype != engine::DType::kF32) {
      return c.Error("gradient must be f32, is " + c.input(0).ToString());
    }
    c.set_output(0, data);
    return absl::OkStatus();
  }
  QS_ASSIGN_OR_RETURN(int64_t axis_attr,
                      c.attrs().GetIntOr("axis", 0, c.node().Describe()));
  if (!data.has_rank) {
    c.set_output(0, graph::ValueType{data.dtype, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<int> axis =
      NormalizeAxis(axis_attr, static_cast<int>(data.dims.size()));
  if (!axis.ok()) return c.Error(std::string(axis.status().message()));
  if (!indices.has_rank) {
    c.set_output(0, graph::ValueType{data.dtype, {}, false});
    return absl::OkStatus();
  }
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + *axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + *axis + 1, data.dims.end());
  c.set_output(0, TypeWithDims(data.dtype, std::move(dims)));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(
      graph::ValueId g,
      b.Emit1("GatherGrad", {b.output_grad(0), b.input(0), b.input(1)},
              b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

graph::OpDef Make(bool grad) {
  graph::OpDef d;
  d.type = grad ? "GatherGrad" : "Gather";
  d.min_inputs = d.max_inputs = grad ? 3 : 2;
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = grad ? Infer<true> : Infer<false>;
  d.make_cpu_kernel =
      grad ? MakeKernel<GatherKernel<true>> : MakeKernel<GatherKernel<false>>;
  if (grad) {
    d.differentiable = false;
    d.onnx = {"", "", 0};
  } else {
    d.backward = Backward;
    d.onnx = {"Gather", "", 1};
  }
  return d;
}

}  // namespace

graph::OpDef MakeGatherOp() { return Make(false); }
graph::OpDef MakeGatherGradOp() { return Make(true); }

}  // namespace quantsim::ops
