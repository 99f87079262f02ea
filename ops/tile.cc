// Tile(input, repeats) (ONNX 6/13): repeats is a 1-D int64 tensor with one
// entry >= 0 per input dim; y.dims[i] = x.dims[i] * repeats[i]. Any dtype.
// Backward (f32, w.r.t. input): the internal op TileGrad(g, x, repeats)
// sums g over the repeats (fixed order, double accumulation).
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

absl::Status CheckRepeats(const std::vector<int64_t>& r, size_t rank) {
  if (r.size() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "repeats has ", r.size(), " entries for an input of rank ", rank));
  }
  for (int64_t v : r) {
    if (v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("repeats must be >= 0, got ", v));
    }
  }
  return absl::OkStatus();
}

// The interleaved view [r0, d0, r1, d1, ...] of the tiled output.
std::vector<int64_t> Interleaved(const std::vector<int64_t>& x,
                                 const std::vector<int64_t>& r) {
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.size(); ++i) {
    dims.push_back(r[i]);
    dims.push_back(x[i]);
  }
  return dims;
}

template <bool kGrad>
class TileKernel final : public graph::OpKernel {
 public:
  explicit TileKernel(const graph::Node&) {}

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = kGrad ? 1 : 0;
    const engine::Tensor& x = ctx.input(first);
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> reps,
                        TensorToInts(ctx.input(first + 1)));
    if (absl::Status s = CheckRepeats(reps, x.rank()); !s.ok()) {
      return ctx.Error(std::string(s.message()));
    }
    const std::vector<int64_t> view = Interleaved(x.shape().dims(), reps);
    std::vector<int64_t> ydims(x.rank());
    for (int i = 0; i < x.rank(); ++i) ydims[i] = x.dim(i) * reps[i];
    if constexpr (!kGrad) {
      QS_ASSIGN_OR_RETURN(engine::Tensor xc, x.Contiguous());
      QS_ASSIGN_OR_RETURN(
          engine::Tensor y,
          ctx.AllocateOutput(0, engine::Shape(ydims), x.dtype()));
      const std::vector<int64_t> xs = ContiguousStrides(x.shape().dims());
      std::vector<int64_t> src(view.size(), 0);
      for (int i = 0; i < x.rank(); ++i) src[2 * i + 1] = xs[i];
      StridedCopy(xc.raw_data(), src, y.raw_data(), ContiguousStrides(view),
                  view, engine::DTypeSize(x.dtype()), ctx.pool());
    } else {
      QS_ASSIGN_OR_RETURN(engine::Tensor g, ctx.input(0).Contiguous());
      QS_RETURN_IF_ERROR(g.CheckDType(engine::DType::kF32, "TileGrad g"));
      if (g.shape().dims() != ydims) {
        return ctx.Error("gradient " + g.shape().ToString() +
                         " does not match the tiled shape");
      }
      std::vector<int> axes;
      for (int i = 0; i < x.rank(); ++i) axes.push_back(2 * i);
      const kernels::ReducePlan p = kernels::MakeReducePlan(view, axes);
      QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
      const float* pg = g.data<float>();
      float* pdx = dx.data<float>();
      kernels::ForEachReduced(p, ctx.pool(), [&](int64_t o, int64_t base) {
        double s = 0;
        for (int64_t off : p.offsets) s += pg[base + off];
        pdx[o] = static_cast<float>(s);
      });
    }
    return absl::OkStatus();
  }
};

template <bool kGrad>
absl::Status Infer(graph::InferContext& c) {
  const int first = kGrad ? 1 : 0;
  QS_RETURN_IF_ERROR(RequireDType(c, first + 1, IsIndexDType, "i64"));
  const graph::ValueType& x = c.input(first);
  if (kGrad) {
    QS_RETURN_IF_ERROR(RequireF32(c, 0));
    c.set_output(0, x);
    return absl::OkStatus();
  }
  if (!x.has_rank) {
    c.set_output(0, graph::ValueType{x.dtype, {}, false});
    return absl::OkStatus();
  }
  std::vector<int64_t> dims(x.dims.size(), -1);
  if (const engine::Tensor* t = c.constant_input(first + 1)) {
    absl::StatusOr<std::vector<int64_t>> r = TensorToInts(*t);
    if (!r.ok()) return c.Error(std::string(r.status().message()));
    if (absl::Status s = CheckRepeats(*r, x.dims.size()); !s.ok()) {
      return c.Error(std::string(s.message()));
    }
    for (size_t i = 0; i < dims.size(); ++i) {
      dims[i] = x.dims[i] < 0 ? -1 : x.dims[i] * (*r)[i];
    }
  }
  c.set_output(0, TypeWithDims(x.dtype, std::move(dims)));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(
      graph::ValueId g,
      b.Emit1("TileGrad", {b.output_grad(0), b.input(0), b.input(1)}));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeTileOp() {
  graph::OpDef d;
  d.type = "Tile";
  d.min_inputs = d.max_inputs = 2;
  d.infer = Infer<false>;
  d.make_cpu_kernel = MakeKernel<TileKernel<false>>;
  d.backward = Backward;
  d.onnx = {"Tile", "", 6};
  return d;
}

graph::OpDef MakeTileGradOp() {
  graph::OpDef d;
  d.type = "TileGrad";
  d.min_inputs = d.max_inputs = 3;
  d.infer = Infer<true>;
  d.make_cpu_kernel = MakeKernel<TileKernel<true>>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
