// Slice(data, starts, ends, axes?, steps?) (opset 10+; opset 1-9 attributes
// starts/ends/axes accepted when the inputs are absent), ONNX clamping:
//   start += d if start < 0; end += d if end < 0; then
//   step > 0: start, end clamped to [0, d];
//   step < 0: start clamped to [0, d - 1], end to [-1, d - 1];
//   length = max(0, ceil((end - start) / step)).
// Output: a contiguous copy (negative steps walk backwards). Any dtype.
// Backward: SliceGrad(g, x, starts, ends, axes?, steps?) (internal): zeros
// shaped like x with g written back at the sliced positions.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct SliceArgs {
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
};

// Per-axis first index, step and length (-1 where the dim is unknown).
struct SliceSpec {
  std::vector<int64_t> start, step, len;
};

absl::StatusOr<SliceSpec> ComputeSlice(const std::vector<int64_t>& dims,
                                       const SliceArgs& a) {
  const int r = static_cast<int>(dims.size());
  SliceSpec s{std::vector<int64_t>(r, 0), std::vector<int64_t>(r, 1), dims};
  const size_t n = a.starts->size();
  if (a.ends->size() != n || (a.axes && a.axes->size() != n) ||
      (a.steps && a.steps->size() != n)) {
    return absl::InvalidArgumentError(
        "starts, ends, axes and steps must have the same length");
  }
  std::vector<int64_t> axes(n);
  for (size_t i = 0; i < n; ++i) axes[i] = a.axes ? (*a.axes)[i] : i;
  QS_ASSIGN_OR_RETURN(std::vector<int> ax, NormalizeAxes(axes, r));
  for (size_t i = 0; i < n; ++i) {
    const int k = ax[i];
    const int64_t d = dims[k];
    const int64_t step = a.steps ? (*a.steps)[i] : 1;
    if (step == 0) return absl::InvalidArgumentError("slice step is 0");
    s.step[k] = step;
    if (d < 0) {
      s.len[k] = -1;
      continue;
    }
    int64_t b = (*a.starts)[i], e = (*a.ends)[i];
    if (b < 0) b += d;
    if (e < 0) e += d;
    int64_t len;
    if (step > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      len = e > b ? 1 + (e - b - 1) / step : 0;  // no overflow
    } else {
      b = std::clamp<int64_t>(b, 0, std::max<int64_t>(d - 1, 0));
      e = std::clamp<int64_t>(e, -1, d - 1);
      if (b <= e || d == 0) {
        len = 0;
      } else {  // -step overflows for INT64_MIN: such a step takes 1
        len = step < -d ? 1 : 1 + (b - e - 1) / -step;
      }
    }
    s.start[k] = b;
    s.len[k] = len;
  }
  return s;
}

// Reads the arguments; `first` is the input index of `starts`.
class SliceArgReader {
 public:
  absl::Status Init(const graph::Node& node) {
    QS_ASSIGN_OR_RETURN(attrs_.starts, OptionalIntsAttr(node, "starts"));
    QS_ASSIGN_OR_RETURN(attrs_.ends, OptionalIntsAttr(node, "ends"));
    QS_ASSIGN_OR_RETURN(attrs_.axes, OptionalIntsAttr(node, "axes"));
    return absl::OkStatus();
  }
  absl::StatusOr<SliceArgs> Read(const graph::KernelContext& ctx,
                                 int first) const {
    SliceArgs a;
    QS_ASSIGN_OR_RETURN(a.starts, RunIntsArg(ctx, first, attrs_.starts));
    QS_ASSIGN_OR_RETURN(a.ends, RunIntsArg(ctx, first + 1, attrs_.ends));
    QS_ASSIGN_OR_RETURN(a.axes, RunIntsArg(ctx, first + 2, attrs_.axes));
    QS_ASSIGN_OR_RETURN(a.steps, RunIntsArg(ctx, first + 3, std::nullopt));
    if (!a.starts || !a.ends) return ctx.Error("missing starts or ends");
    return a;
  }

 private:
  SliceArgs attrs_;
};

// Data pointer of element `start` and the signed strides of the slice.
const char* SliceOrigin(const char* base, const std::vector<int64_t>& strides,
                        const SliceSpec& s, size_t es,
                        std::vector<int64_t>* slice_strides) {
  int64_t off = 0;
  slice_strides->resize(strides.size());
  for (size_t k = 0; k < strides.size(); ++k) {
    off += s.start[k] * strides[k];
    (*slice_strides)[k] = s.step[k] * strides[k];
  }
  return base + off * static_cast<int64_t>(es);
}

template <bool kGrad>
class SliceKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<SliceKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<SliceKernel>();
    QS_RETURN_IF_ERROR(k->args_.Init(node));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    // Slice: (x, starts, ...); SliceGrad: (g, x, starts, ...).
    const engine::Tensor& x = ctx.input(kGrad ? 1 : 0);
    QS_ASSIGN_OR_RETURN(SliceArgs a, args_.Read(ctx, kGrad ? 2 : 1));
    absl::StatusOr<SliceSpec> s = ComputeSlice(x.shape().dims(), a);
    if (!s.ok()) return ctx.Error(std::string(s.status().message()));
    std::vector<int64_t> strides;
    if constexpr (!kGrad) {
      const size_t es = engine::DTypeSize(x.dtype());
      const char* src = SliceOrigin(static_cast<const char*>(x.raw_data()),
                                    x.strides(), *s, es, &strides);
      QS_ASSIGN_OR_RETURN(
          engine::Tensor y,
          ctx.AllocateOutput(0, engine::Shape(s->len), x.dtype()));
      StridedCopy(src, strides, y.raw_data(), ContiguousStrides(s->len), s->len,
                  es, ctx.pool());
    } else {
      const engine::Tensor& g = ctx.input(0);
      if (g.shape().dims() != s->len) {
        return ctx.Error("gradient " + g.shape().ToString() +
                         " does not match the slice");
      }
      const size_t es = engine::DTypeSize(g.dtype());
      QS_ASSIGN_OR_RETURN(engine::Tensor dx,
                          ctx.AllocateOutput(0, x.shape(), g.dtype()));
      std::memset(dx.raw_data(), 0, dx.nbytes());
      char* dst = const_cast<char*>(
          SliceOrigin(static_cast<const char*>(dx.raw_data()),
                      ContiguousStrides(x.shape().dims()), *s, es, &strides));
      StridedCopy(g.raw_data(), g.strides(), dst, strides, s->len, es,
                  ctx.pool());
    }
    return absl::OkStatus();
  }

 private:
  SliceArgReader args_;
};

template <bool kGrad>
absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& x = c.input(kGrad ? 1 : 0);
  const engine::DType dtype = c.input(0).dtype;
  if constexpr (kGrad) {
    c.set_output(0, graph::ValueType{dtype, x.dims, x.has_rank});
    return absl::OkStatus();
  }
  SliceArgs a;
  bool known = true;
  const char* names[] = {"starts", "ends", "axes", ""};
  std::optional<std::vector<int64_t>>* slots[] = {&a.starts, &a.ends, &a.axes,
                                                  &a.steps};
  for (int i = 0; i < 4; ++i) {
    QS_ASSIGN_OR_RETURN(IntsArg arg, InferIntsArg(c, 1 + i, names[i]));
    if (arg.present && !arg.values) known = false;
    *slots[i] = arg.values;
  }
  if (known && (!a.starts || !a.ends)) return c.Error("missing starts or ends");
  if (!x.has_rank) {
    c.set_output(0, graph::ValueType{dtype, {}, false});
    return absl::OkStatus();
  }
  if (!known) {
    c.set_output(0,
                 TypeWithDims(dtype, std::vector<int64_t>(x.dims.size(), -1)));
    return absl::OkStatus();
  }
  absl::StatusOr<SliceSpec> s = ComputeSlice(x.dims, a);
  if (!s.ok()) return c.Error(std::string(s.status().message()));
  c.set_output(0, TypeWithDims(dtype, s->len));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  std::vector<graph::ValueId> in = {b.output_grad(0)};
  for (size_t i = 0; i < b.node().inputs.size(); ++i) in.push_back(b.input(i));
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      b.Emit1("SliceGrad", in, b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

graph::OpDef Make(bool grad) {
  graph::OpDef d;
  d.type = grad ? "SliceGrad" : "Slice";
  d.min_inputs = grad ? 2 : 1;
  d.max_inputs = grad ? 6 : 5;
  d.attrs = {{"starts", graph::AttrType::kInts},
             {"ends", graph::AttrType::kInts},
             {"axes", graph::AttrType::kInts}};
  d.infer = grad ? Infer<true> : Infer<false>;
  d.make_cpu_kernel =
      grad ? MakeKernel<SliceKernel<true>> : MakeKernel<SliceKernel<false>>;
  if (grad) {
    d.differentiable = false;
    d.onnx = {"", "", 0};
  } else {
    d.backward = Backward;
    d.onnx = {"Slice", "", 1};
  }
  return d;
}

}  // namespace

graph::OpDef MakeSliceOp() { return Make(false); }
graph::OpDef MakeSliceGradOp() { return Make(true); }

}  // namespace quantsim::ops
