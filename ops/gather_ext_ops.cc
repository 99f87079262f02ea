// GatherElements(data, indices; axis = 0) (ONNX 11/13) and GatherND(data,
// indices; batch_dims = 0) (ONNX 11/12/13). Any data dtype; i64 or i32
// indices, negative ones count from the end; out-of-range ones are
// InvalidArgument naming the node.
//  - GatherElements: y.shape = indices.shape (same rank as data; other dims
//    <= data's); y[i] = data[i with the axis coordinate = indices[i]].
//  - GatherND: indices [B..., N..., q], y.shape = B + N + data.shape[b+q:].
// Backward (f32, w.r.t. data): the internal ops GatherElementsGrad and
// GatherNDGrad(g, data, indices; attrs) scatter-add g into zeros shaped like
// data, in index order (deterministic; repeats accumulate).
#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/gather_index.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

enum class Kind { kElements, kNd };

// Offsets of every gathered element/slice in data; errors name nothing (the
// kernel adds the node).
absl::Status Offsets(Kind kind, int64_t attr, const engine::Tensor& data,
                     const engine::Tensor& indices, std::vector<int64_t>* offs,
                     int64_t* slice, std::vector<int64_t>* out_dims) {
  QS_ASSIGN_OR_RETURN(std::vector<int64_t> idx, IndicesToI64(indices));
  const std::vector<int64_t>& dd = data.shape().dims();
  const std::vector<int64_t>& id = indices.shape().dims();
  int64_t bad;
  if (kind == Kind::kElements) {
    QS_ASSIGN_OR_RETURN(int axis, NormalizeAxis(attr, data.rank()));
    if (id.size() != dd.size()) {
      return absl::InvalidArgumentError(
          "indices must have the rank of data, have " +
          indices.shape().ToString() + " vs " + data.shape().ToString());
    }
    for (size_t k = 0; k < dd.size(); ++k) {
      if (static_cast<int>(k) != axis && id[k] > dd[k]) {
        return absl::InvalidArgumentError(
            "indices " + indices.shape().ToString() + " exceed data " +
            data.shape().ToString());
      }
    }
    bad = kernels::ElementOffsets(dd, id, axis, idx.data(), offs);
    *slice = 1;
    *out_dims = id;
  } else {
    const int b = static_cast<int>(attr);
    if (id.empty() || b < 0 || b >= static_cast<int>(id.size()) ||
        b + id.back() > static_cast<int64_t>(dd.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "indices ", indices.shape().ToString(), " with batch_dims ", b,
          " do not fit data ", data.shape().ToString()));
    }
    for (int k = 0; k < b; ++k) {
      if (id[k] != dd[k]) {
        return absl::InvalidArgumentError(
            "batch dims of indices and data differ");
      }
    }
    bad = kernels::NdOffsets(dd, id, b, idx.data(), offs, slice);
    out_dims->assign(id.begin(), id.end() - 1);
    out_dims->insert(out_dims->end(), dd.begin() + b + id.back(), dd.end());
  }
  if (bad >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("index ", idx[bad], " out of range"));
  }
  return absl::OkStatus();
}

template <Kind kKind, bool kGrad>
class GatherExtKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<GatherExtKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<GatherExtKernel>();
    QS_ASSIGN_OR_RETURN(
        k->attr_,
        node.attrs.GetIntOr(kKind == Kind::kNd ? "batch_dims" : "axis", 0,
                            node.Describe()));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = kGrad ? 1 : 0;
    QS_ASSIGN_OR_RETURN(engine::Tensor data, ctx.input(first).Contiguous());
    std::vector<int64_t> offs, out_dims;
    int64_t slice = 1;
    if (absl::Status s = Offsets(kKind, attr_, data, ctx.input(first + 1),
                                 &offs, &slice, &out_dims);
        !s.ok()) {
      return ctx.Error(std::string(s.message()));
    }
    const int64_t n = static_cast<int64_t>(offs.size());
    if constexpr (!kGrad) {
      QS_ASSIGN_OR_RETURN(
          engine::Tensor y,
          ctx.AllocateOutput(0, engine::Shape(out_dims), data.dtype()));
      const size_t es = engine::DTypeSize(data.dtype());
      const char* src = static_cast<const char*>(data.raw_data());
      char* dst = static_cast<char*>(y.raw_data());
      const size_t row = slice * es;
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + i * row, src + offs[i] * es, row);
      }
    } else {
      QS_ASSIGN_OR_RETURN(engine::Tensor g, ctx.input(0).Contiguous());
      QS_RETURN_IF_ERROR(g.CheckDType(engine::DType::kF32, "gradient"));
      if (g.shape().dims() != out_dims) {
        return ctx.Error("gradient " + g.shape().ToString() +
                         " does not match the gather");
      }
      QS_ASSIGN_OR_RETURN(engine::Tensor dx,
                          ctx.AllocateOutput(0, data.shape()));
      float* pdx = dx.data<float>();
      std::fill(pdx, pdx + dx.numel(), 0.0f);
      const float* pg = g.data<float>();
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < slice; ++j) {
          pdx[offs[i] + j] += pg[i * slice + j];
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t attr_ = 0;
};

template <Kind kKind, bool kGrad>
absl::Status Infer(graph::InferContext& c) {
  const int first = kGrad ? 1 : 0;
  QS_RETURN_IF_ERROR(RequireDType(c, first + 1, IsIndexDType, "i64 or i32"));
  const graph::ValueType& data = c.input(first);
  const graph::ValueType& idx = c.input(first + 1);
  if (kGrad) {
    QS_RETURN_IF_ERROR(RequireF32(c, 0));
    c.set_output(0, data);
    return absl::OkStatus();
  }
  const std::string where = c.node().Describe();
  QS_ASSIGN_OR_RETURN(
      int64_t attr,
      c.attrs().GetIntOr(kKind == Kind::kNd ? "batch_dims" : "axis", 0, where));
  if (!data.has_rank || !idx.has_rank) {
    c.set_output(0, graph::ValueType{data.dtype, {}, false});
    return absl::OkStatus();
  }
  const int r = static_cast<int>(data.dims.size());
  if (kKind == Kind::kElements) {
    absl::StatusOr<int> axis = NormalizeAxis(attr, r);
    if (!axis.ok()) return c.Error(std::string(axis.status().message()));
    if (static_cast<int>(idx.dims.size()) != r) {
      return c.Error("indices " + idx.ToString() +
                     " must have the rank of data " + data.ToString());
    }
    c.set_output(0, TypeWithDims(data.dtype, idx.dims));
    return absl::OkStatus();
  }
  const int ir = static_cast<int>(idx.dims.size());
  if (ir < 1 || attr < 0 || attr >= ir) {
    return c.Error(absl::StrCat("batch_dims ", attr, " invalid for indices ",
                                idx.ToString()));
  }
  const int64_t q = idx.dims.back();
  if (q < 0) {
    c.set_output(0, graph::ValueType{data.dtype, {}, false});
    return absl::OkStatus();
  }
  if (attr + q > r) {
    return c.Error(absl::StrCat("indices ", idx.ToString(),
                                " index more dims than data ", data.ToString(),
                                " has"));
  }
  std::vector<int64_t> dims(idx.dims.begin(), idx.dims.end() - 1);
  dims.insert(dims.end(), data.dims.begin() + attr + q, data.dims.end());
  c.set_output(0, TypeWithDims(data.dtype, std::move(dims)));
  return absl::OkStatus();
}

template <Kind kKind>
absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  if (b.input_type(0).dtype != engine::DType::kF32) {
    return absl::InvalidArgumentError(b.node().Describe() +
                                      ": gradients are computed for f32 only");
  }
  QS_ASSIGN_OR_RETURN(
      graph::ValueId g,
      b.Emit1(kKind == Kind::kNd ? "GatherNDGrad" : "GatherElementsGrad",
              {b.output_grad(0), b.input(0), b.input(1)}, b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

template <Kind kKind, bool kGrad>
graph::OpDef Make() {
  graph::OpDef d;
  const char* base = kKind == Kind::kNd ? "GatherND" : "GatherElements";
  d.type = kGrad ? absl::StrCat(base, "Grad") : base;
  d.min_inputs = d.max_inputs = kGrad ? 3 : 2;
  d.attrs = {
      {kKind == Kind::kNd ? "batch_dims" : "axis", graph::AttrType::kInt}};
  d.infer = Infer<kKind, kGrad>;
  d.make_cpu_kernel = MakeKernel<GatherExtKernel<kKind, kGrad>>;
  if (kGrad) {
    d.differentiable = false;
    d.onnx = {"", "", 0};
  } else {
    d.backward = Backward<kKind>;
    d.onnx = {base, "", 11};
  }
  return d;
}

}  // namespace

graph::OpDef MakeGatherElementsOp() { return Make<Kind::kElements, false>(); }
graph::OpDef MakeGatherElementsGradOp() {
  return Make<Kind::kElements, true>();
}
graph::OpDef MakeGatherNDOp() { return Make<Kind::kNd, false>(); }
graph::OpDef MakeGatherNDGradOp() { return Make<Kind::kNd, true>(); }

}  // namespace quantsim::ops
