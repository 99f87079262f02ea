// ReduceSum, ReduceMean, ReduceMax, ReduceMin (ONNX), one table entry each,
// on kernels::Reduce (fixed order, bit-identical on every Isa / thread
// count). Axes come from the optional int64 input 1 (ReduceSum 13+, the
// others 18+) or else from the `axes` attribute (earlier opsets); both forms
// are accepted for all four. keepdims (default 1); noop_with_empty_axes
// (default 0): empty axes reduce everything, or are the identity when set.
// Backward: the internal op ReduceGrad (dy, x, [y], [axes]) with the forward
// attributes plus op = <forward type>: Sum broadcasts dy back, Mean also
// divides by the reduced count, Max/Min route dy to every element equal to
// the result (all tied elements receive the full dy).
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/binary/binary.h"
#include "kernels/cpu/binary/binary_grad.h"
#include "kernels/cpu/reduce/reduce.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using kernels::ReduceOp;

struct ReduceEntry {
  const char* type;
  ReduceOp op;
};

constexpr ReduceEntry kOps[] = {
    {"ReduceSum", ReduceOp::kSum},
    {"ReduceMean", ReduceOp::kMean},
    {"ReduceMax", ReduceOp::kMax},
    {"ReduceMin", ReduceOp::kMin},
};

struct ReduceConfig {
  ReduceOp op = ReduceOp::kSum;
  std::vector<int64_t> attr_axes;
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};

absl::StatusOr<ReduceConfig> Parse(const graph::Node& node,
                                   const std::string& type) {
  const std::string where = node.Describe();
  ReduceConfig c;
  bool found = false;
  for (const ReduceEntry& e : kOps) {
    if (type == e.type) {
      c.op = e.op;
      found = true;
    }
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown reduction '", type, "'"));
  }
  QS_ASSIGN_OR_RETURN(c.attr_axes, node.attrs.GetIntsOr("axes", {}, where));
  QS_ASSIGN_OR_RETURN(int64_t k, node.attrs.GetIntOr("keepdims", 1, where));
  QS_ASSIGN_OR_RETURN(int64_t noop,
                      node.attrs.GetIntOr("noop_with_empty_axes", 0, where));
  c.keepdims = k != 0;
  c.noop_with_empty_axes = noop != 0;
  return c;
}

// The reduced axes (sorted); *identity when nothing is reduced because the
// axes are empty and noop_with_empty_axes is set.
absl::StatusOr<std::vector<int>> ResolveAxes(const ReduceConfig& c,
                                             const std::vector<int64_t>& axes,
                                             int rank, bool* identity) {
  *identity = false;
  if (axes.empty()) {
    if (c.noop_with_empty_axes) {
      *identity = true;
      return std::vector<int>();
    }
    std::vector<int> all(rank);
    for (int i = 0; i < rank; ++i) all[i] = i;
    return all;
  }
  QS_ASSIGN_OR_RETURN(std::vector<int> out, NormalizeAxes(axes, rank));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> OutDims(const std::vector<int64_t>& x,
                             const std::vector<int>& axes, bool keepdims) {
  std::vector<int64_t> out;
  size_t a = 0;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    const bool reduced = a < axes.size() && axes[a] == i;
    if (reduced) ++a;
    if (!reduced) {
      out.push_back(x[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

// Axes of a kernel run: input `index` when present, else the attribute.
absl::StatusOr<std::vector<int64_t>> RunAxes(const graph::KernelContext& ctx,
                                             int index, const ReduceConfig& c) {
  if (ctx.has_input(index)) return TensorToInts(ctx.input(index));
  return c.attr_axes;
}

class ReduceKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReduceKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReduceKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, Parse(node, node.op_type));
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
    QS_ASSIGN_OR_RETURN(kernels::Dims xd, ToKernelDims(x.shape()));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(
            0, engine::Shape(OutDims(x.shape().dims(), *axes, c_.keepdims))));
    kernels::Reduce(c_.op, x.data<float>(), xd, axes->data(),
                    static_cast<int>(axes->size()), y.data<float>(), ctx.pool(),
                    ctx.isa());
    return absl::OkStatus();
  }

 private:
  ReduceConfig c_;
};

class ReduceGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReduceGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReduceGradKernel>();
    QS_ASSIGN_OR_RETURN(std::string op,
                        node.attrs.GetString("op", node.Describe()));
    QS_ASSIGN_OR_RETURN(k->c_, Parse(node, op));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    const engine::Shape& xs = ctx.input(1).shape();
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> raw, RunAxes(ctx, 3, c_));
    bool identity;
    absl::StatusOr<std::vector<int>> axes =
        ResolveAxes(c_, raw, xs.rank(), &identity);
    if (!axes.ok()) return ctx.Error(std::string(axes.status().message()));
    if (identity) {
      ctx.SetOutput(0, dy);
      return absl::OkStatus();
    }
    const engine::Shape kept(OutDims(xs.dims(), *axes, true));
    if (dy.numel() != kept.NumElements()) {
      return ctx.Error("dy " + dy.shape().ToString() + " does not match " +
                       kept.ToString());
    }
    QS_ASSIGN_OR_RETURN(kernels::Dims xd, ToKernelDims(xs));
    QS_ASSIGN_OR_RETURN(kernels::Dims kd, ToKernelDims(kept));
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, xs));
    float* dxp = dx.data<float>();
    const float zero = 0.0f;
    if (c_.op == ReduceOp::kMean) {
      int64_t n = 1;
      for (int a : *axes) n *= xs.dim(a);
      const float count = static_cast<float>(n);
      kernels::BinaryForward(kernels::BinaryOp::kDiv, dy.data<float>(), kd,
                             &count, kernels::Dims{}, dxp, xd, ctx.pool(),
                             ctx.isa());
      return absl::OkStatus();
    }
    if (c_.op == ReduceOp::kSum) {
      kernels::BinaryForward(kernels::BinaryOp::kAdd, dy.data<float>(), kd,
                             &zero, kernels::Dims{}, dxp, xd, ctx.pool(),
                             ctx.isa());
      return absl::OkStatus();
    }
    // Max/Min: BinaryBackward of max(x, y) with y the (kept) result gives
    // dy / 2 exactly where x == y and 0 elsewhere; times 2 restores dy.
    if (!ctx.has_input(2)) return ctx.Error("Max/Min need the forward output");
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor full,
                        engine::Tensor::Empty(xs, engine::DType::kF32));
    kernels::BinaryForward(kernels::BinaryOp::kAdd, dy.data<float>(), kd, &zero,
                           kernels::Dims{}, full.data<float>(), xd, ctx.pool(),
                           ctx.isa());
    kernels::BinaryBackward(c_.op == ReduceOp::kMax ? kernels::BinaryOp::kMax
                                                    : kernels::BinaryOp::kMin,
                            x.data<float>(), xd, y.data<float>(), kd,
                            full.data<float>(), xd, dxp, nullptr, ctx.pool(),
                            ctx.isa());
    const float two = 2.0f;
    kernels::BinaryForward(kernels::BinaryOp::kMul, dxp, xd, &two,
                           kernels::Dims{}, dxp, xd, ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }

 private:
  ReduceConfig c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(ReduceConfig cfg, Parse(c.node(), c.node().op_type));
  const graph::ValueType& x = c.input(0);
  graph::ValueType out;
  out.dtype = engine::DType::kF32;
  std::vector<int64_t> raw = cfg.attr_axes;
  bool known = true;
  if (c.has_input(1)) {
    if (c.input(1).dtype != engine::DType::kI64) {
      return c.Error("axes must be int64, is " + c.input(1).ToString());
    }
    const engine::Tensor* t = c.constant_input(1);
    if (t == nullptr) {
      known = false;
    } else {
      absl::StatusOr<std::vector<int64_t>> v = TensorToInts(*t);
      if (!v.ok()) return c.Error(std::string(v.status().message()));
      raw = *v;
    }
  }
  if (!x.has_rank) {
    c.set_output(0, out);
    return absl::OkStatus();
  }
  if (!known) {
    if (cfg.keepdims)
      out = TypeWithDims(engine::DType::kF32,
                         std::vector<int64_t>(x.dims.size(), -1));
    c.set_output(0, out);
    return absl::OkStatus();
  }
  bool identity;
  absl::StatusOr<std::vector<int>> axes =
      ResolveAxes(cfg, raw, static_cast<int>(x.dims.size()), &identity);
  if (!axes.ok()) return c.Error(std::string(axes.status().message()));
  if (identity) {
    c.set_output(0, x);
  } else {
    c.set_output(0, TypeWithDims(engine::DType::kF32,
                                 OutDims(x.dims, *axes, cfg.keepdims)));
  }
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  const graph::Node& node = b.node();
  QS_ASSIGN_OR_RETURN(ReduceConfig cfg, Parse(node, node.op_type));
  const bool uses_y = cfg.op == ReduceOp::kMax || cfg.op == ReduceOp::kMin;
  graph::Attributes attrs = node.attrs;
  attrs.Set("op", node.op_type);
  QS_ASSIGN_OR_RETURN(
      graph::ValueId dx,
      b.Emit1(
          "ReduceGrad",
          {b.output_grad(0), b.input(0), uses_y ? b.output(0) : graph::kNoValue,
           node.inputs.size() > 1 ? node.inputs[1] : graph::kNoValue},
          std::move(attrs)));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

graph::OpDef MakeReduce(const char* type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.attrs = {{"axes", graph::AttrType::kInts},
             {"keepdims", graph::AttrType::kInt},
             {"noop_with_empty_axes", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<ReduceKernel>;
  d.backward = Backward;
  d.onnx = {type, "", 1};
  return d;
}

}  // namespace

graph::OpDef MakeReduceSumOp() { return MakeReduce("ReduceSum"); }
graph::OpDef MakeReduceMeanOp() { return MakeReduce("ReduceMean"); }
graph::OpDef MakeReduceMaxOp() { return MakeReduce("ReduceMax"); }
graph::OpDef MakeReduceMinOp() { return MakeReduce("ReduceMin"); }

graph::OpDef MakeReduceGradOp() {
  graph::OpDef d;
  d.type = "ReduceGrad";
  d.min_inputs = 2;
  d.max_inputs = 4;
  d.attrs = {{"op", graph::AttrType::kString, true}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    graph::ValueType t = c.input(1);
    t.dtype = engine::DType::kF32;
    c.set_output(0, t);
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<ReduceGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
