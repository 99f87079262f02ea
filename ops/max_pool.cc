// MaxPool (ONNX opset 12): x [N, C, D_1..D_k], k = 1..3 ->
//   y [N, C, out_1..out_k] [, Indices (i64)]
// attrs: kernel_shape (required), strides, pads, dilations, auto_pad,
// ceil_mode, storage_order (only 0, row-major, is supported).
// Kernels: kernels/cpu/pool (first maximum in window order, NaN wins; a
// window entirely in padding gives -inf and index -1).
// Indices follow ONNX: the flat index into the whole input tensor,
// ((n C + c) D_1 + d_1) ... (the kernel's per-plane index + plane offset).
// Backward: MaxPoolGrad (internal) scatters dy to the argmax of each window.
// It uses the forward's Indices output when the node has one; otherwise it
// re-runs the forward kernel for the indices (same code, same indices).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/pool/pool.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using kernels::Dims;
using kernels::PoolParams;

Dims ToDims(const engine::Shape& s) {
  Dims d;
  for (int64_t v : s.dims()) d.d[d.rank++] = v;
  return d;
}

engine::Shape ToShape(const Dims& d) {
  return engine::Shape(std::vector<int64_t>(d.d, d.d + d.rank));
}

// Attributes parsed once; Prepare resolves them against a concrete input.
class MaxPoolBase : public graph::OpKernel {
 protected:
  absl::Status Init(const graph::Node& node) {
    QS_ASSIGN_OR_RETURN(w_, ParseWindowAttrs(node));
    const std::string where = node.Describe();
    if (w_.rank() < 1 || w_.rank() > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": kernel_shape must have 1 to 3 dims"));
    }
    QS_ASSIGN_OR_RETURN(int64_t order,
                        node.attrs.GetIntOr("storage_order", 0, where));
    if (order != 0) {
      return absl::UnimplementedError(
          absl::StrCat(where, ": storage_order 1 (column-major indices)"));
    }
    return absl::OkStatus();
  }

  // Checks x against the attributes; returns the kernel params and y dims.
  absl::Status Prepare(graph::KernelContext& ctx, const engine::Tensor& x,
                       PoolParams* p, Dims* y_dims) const {
    if (x.rank() != w_.rank() + 2) {
      return ctx.Error(absl::StrCat("input ", x.shape().ToString(),
                                    " must have rank ", w_.rank() + 2));
    }
    const std::vector<int64_t> in(x.shape().dims().begin() + 2,
                                  x.shape().dims().end());
    FillWindowParams(w_, in, p);
    absl::StatusOr<Dims> y = kernels::PoolOutputDims(ToDims(x.shape()), *p);
    if (!y.ok()) return ctx.Error(std::string(y.status().message()));
    *y_dims = *y;
    return absl::OkStatus();
  }

  WindowAttrs w_;
};

class MaxPoolKernel final : public MaxPoolBase {
 public:
  static absl::StatusOr<std::unique_ptr<MaxPoolKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<MaxPoolKernel>();
    QS_RETURN_IF_ERROR(k->Init(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    PoolParams p;
    Dims yd;
    QS_RETURN_IF_ERROR(Prepare(ctx, x, &p, &yd));
    const engine::Shape ys = ToShape(yd);
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, ys));
    int64_t* idx = nullptr;
    if (ctx.num_outputs() > 1) {
      QS_ASSIGN_OR_RETURN(engine::Tensor i,
                          ctx.AllocateOutput(1, ys, engine::DType::kI64));
      idx = i.data<int64_t>();
    }
    kernels::MaxPoolForward(x.data<float>(), ToDims(x.shape()), p,
                            y.data<float>(), idx, ctx.pool());
    if (idx) {
      // Per-plane indices -> ONNX flat indices over the whole tensor.
      const int64_t in_size = x.shape().Product(2, x.rank());
      const int64_t out_size = ys.Product(2, ys.rank());
      engine::ParallelFor(ctx.pool(), x.dim(0) * x.dim(1), 64,
                          [&](int64_t lo, int64_t hi) {
                            for (int64_t pl = lo; pl < hi; ++pl) {
                              int64_t* ip = idx + pl * out_size;
                              for (int64_t o = 0; o < out_size; ++o) {
                                if (ip[o] >= 0) ip[o] += pl * in_size;
                              }
                            }
                          });
    }
    return absl::OkStatus();
  }
};

// MaxPoolGrad (internal): (dy, x [, indices]) -> dx, the forward's attrs.
class MaxPoolGradKernel final : public MaxPoolBase {
 public:
  static absl::StatusOr<std::unique_ptr<MaxPoolGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<MaxPoolGradKernel>();
    QS_RETURN_IF_ERROR(k->Init(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    PoolParams p;
    Dims yd;
    QS_RETURN_IF_ERROR(Prepare(ctx, x, &p, &yd));
    if (ToDims(dy.shape()) != yd) {
      return ctx.Error(absl::StrCat("dy ", dy.shape().ToString(),
                                    " does not match the pool output ",
                                    ToShape(yd).ToString()));
    }
    const int64_t in_size = x.shape().Product(2, x.rank());
    const int64_t out_size = dy.shape().Product(2, dy.rank());
    std::vector<int64_t> local(dy.numel());
    if (ctx.has_input(2)) {
      QS_ASSIGN_OR_RETURN(engine::Tensor gi, ctx.input(2).Contiguous());
      if (gi.shape() != dy.shape() || gi.dtype() != engine::DType::kI64) {
        return ctx.Error("indices must be i64 shaped like dy");
      }
      const int64_t* g = gi.data<int64_t>();
      for (int64_t i = 0; i < dy.numel(); ++i) {
        local[i] = g[i] < 0 ? -1 : g[i] - (i / out_size) * in_size;
        if (local[i] >= in_size) return ctx.Error("index outside its plane");
      }
    } else {
      std::vector<float> scratch(dy.numel());
      kernels::MaxPoolForward(x.data<float>(), ToDims(x.shape()), p,
                              scratch.data(), local.data(), ctx.pool());
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    kernels::MaxPoolBackward(dy.data<float>(), local.data(), yd,
                             ToDims(x.shape()), dx.data<float>(), ctx.pool());
    return absl::OkStatus();
  }
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(c.node()));
  if (w.rank() < 1 || w.rank() > 3) {
    return c.Error("kernel_shape must have 1 to 3 dims");
  }
  QS_ASSIGN_OR_RETURN(graph::ValueType y, WindowOutputType(c, w));
  c.set_output(0, y);
  if (c.num_outputs() > 1) {
    y.dtype = engine::DType::kI64;
    c.set_output(1, y);
  }
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0) || b.output_grad(0) == graph::kNoValue) {
    return absl::OkStatus();
  }
  std::vector<graph::ValueId> in = {b.output_grad(0), b.input(0)};
  if (b.node().outputs.size() > 1) in.push_back(b.output(1));
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("MaxPoolGrad", in, b.node().attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeMaxPoolOp() {
  graph::OpDef d;
  d.type = "MaxPool";
  d.min_inputs = d.max_inputs = 1;
  d.min_outputs = 1;
  d.max_outputs = 2;
  d.attrs = {{"kernel_shape", graph::AttrType::kInts, true},
             {"strides", graph::AttrType::kInts},
             {"pads", graph::AttrType::kInts},
             {"dilations", graph::AttrType::kInts},
             {"auto_pad", graph::AttrType::kString},
             {"ceil_mode", graph::AttrType::kInt},
             {"storage_order", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<MaxPoolKernel>;
  d.backward = Backward;
  d.onnx = {"MaxPool", "", 12};
  return d;
}

graph::OpDef MakeMaxPoolGradOp() {
  graph::OpDef d = MakeMaxPoolOp();
  d.type = "MaxPoolGrad";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.max_outputs = 1;
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<MaxPoolGradKernel>;
  d.backward = nullptr;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
