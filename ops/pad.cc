// Pad(data, pads, constant_value?, axes?) (opset 11+; 18 adds axes; the
// opset-2 attributes pads/value are accepted when the inputs are absent),
// mode = constant | reflect | edge | wrap. pads = [begin_0.., end_0..] over
// `axes` (default all); negative pads crop. Output dim = d + begin + end.
// Output element o along an axis reads source index s = o - begin; outside
// [0, d): constant -> the value (default 0), edge -> clamp(s, 0, d - 1),
// reflect -> mirrored without repeating the edge (numpy 'reflect', repeated
// for wide pads), wrap -> s mod d.
// Backward (f32): PadGrad(g, data, pads, constant_value?, axes?) (internal):
// dx[s] += g[o] over every output element that reads source element s (a
// crop in constant mode; edge/reflect/wrap accumulate; fixed order).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

enum class Mode { kConstant, kReflect, kEdge, kWrap };

absl::StatusOr<Mode> ParseMode(const graph::Node& node) {
  QS_ASSIGN_OR_RETURN(std::string m, node.attrs.GetStringOr("mode", "constant",
                                                            node.Describe()));
  if (m == "constant") return Mode::kConstant;
  if (m == "reflect") return Mode::kReflect;
  if (m == "edge") return Mode::kEdge;
  if (m == "wrap") return Mode::kWrap;
  return absl::InvalidArgumentError(
      absl::StrCat(node.Describe(), ": unknown pad mode '", m, "'"));
}

// Per-axis begin/end pads for `rank` dims from pads (and axes).
absl::StatusOr<std::vector<int64_t>> FullPads(
    const std::vector<int64_t>& pads,
    const std::optional<std::vector<int64_t>>& axes, int rank) {
  std::vector<int64_t> ax;
  if (axes) {
    ax = *axes;
  } else {
    for (int i = 0; i < rank; ++i) ax.push_back(i);
  }
  if (pads.size() != 2 * ax.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        pads.size(), " pads for ", ax.size(), " axes (need 2 per axis)"));
  }
  QS_ASSIGN_OR_RETURN(std::vector<int> n, NormalizeAxes(ax, rank));
  std::vector<int64_t> full(2 * rank, 0);
  for (size_t i = 0; i < n.size(); ++i) {
    full[n[i]] = pads[i];
    full[rank + n[i]] = pads[i + n.size()];
  }
  return full;
}

// out dims (d + begin + end, -1 when d is unknown).
absl::StatusOr<std::vector<int64_t>> PaddedDims(const std::vector<int64_t>& d,
                                                const std::vector<int64_t>& p) {
  const int r = static_cast<int>(d.size());
  std::vector<int64_t> out(r);
  for (int a = 0; a < r; ++a) {
    out[a] = d[a] < 0 ? -1 : d[a] + p[a] + p[r + a];
    if (d[a] >= 0 && out[a] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("pads crop axis ", a, " of size ", d[a], " below 0"));
    }
  }
  return out;
}

// Source index along one axis for each output index (-1: padding value).
absl::StatusOr<std::vector<int64_t>> AxisMap(int64_t d, int64_t begin,
                                             int64_t out, Mode mode) {
  std::vector<int64_t> m(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t s = o - begin;
    if (s < 0 || s >= d) {
      if (mode != Mode::kConstant && d == 0) {
        return absl::InvalidArgumentError("cannot pad an empty axis");
      }
      switch (mode) {
        case Mode::kConstant:
          s = -1;
          break;
        case Mode::kEdge:
          s = s < 0 ? 0 : d - 1;
          break;
        case Mode::kWrap:
          s = ((s % d) + d) % d;
          break;
        case Mode::kReflect:
          if (d == 1) {
            s = 0;
          } else {
            const int64_t period = 2 * (d - 1);
            s = ((s % period) + period) % period;
            if (s >= d) s = period - s;
          }
      }
    }
    m[o] = s;
  }
  return m;
}

template <bool kGrad>
class PadKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<PadKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<PadKernel>();
    QS_ASSIGN_OR_RETURN(k->mode_, ParseMode(node));
    QS_ASSIGN_OR_RETURN(k->attr_pads_, OptionalIntsAttr(node, "pads"));
    QS_ASSIGN_OR_RETURN(k->value_,
                        node.attrs.GetFloatOr("value", 0.0f, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int first = kGrad ? 1 : 0;  // PadGrad: (g, data, pads, ...)
    const engine::Tensor& x = ctx.input(first);
    QS_ASSIGN_OR_RETURN(auto pads, RunIntsArg(ctx, first + 1, attr_pads_));
    if (!pads) return ctx.Error("missing pads");
    QS_ASSIGN_OR_RETURN(auto axes, RunIntsArg(ctx, first + 3, std::nullopt));
    absl::StatusOr<std::vector<int64_t>> p = FullPads(*pads, axes, x.rank());
    if (!p.ok()) return ctx.Error(std::string(p.status().message()));
    absl::StatusOr<std::vector<int64_t>> od = PaddedDims(x.shape().dims(), *p);
    if (!od.ok()) return ctx.Error(std::string(od.status().message()));
    const int r = x.rank();
    std::vector<std::vector<int64_t>> maps(r);
    for (int a = 0; a < r; ++a) {
      absl::StatusOr<std::vector<int64_t>> m =
          AxisMap(x.dim(a), (*p)[a], (*od)[a], mode_);
      if (!m.ok()) return ctx.Error(std::string(m.status().message()));
      maps[a] = std::move(*m);
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor xc, x.Contiguous());
    const std::vector<int64_t> xs = ContiguousStrides(x.shape().dims());
    const int64_t n_out = KnownProduct(*od);
    if constexpr (!kGrad) {
      const size_t es = engine::DTypeSize(x.dtype());
      std::vector<char> fill(es, 0);
      if (ctx.has_input(2)) {
        const engine::Tensor& v = ctx.input(2);
        if (v.dtype() != x.dtype() || v.numel() != 1) {
          return ctx.Error(
              "constant_value must be one element of the data type");
        }
        std::memcpy(fill.data(), v.raw_data(), es);
      } else if (value_ != 0.0f) {
        if (x.dtype() != engine::DType::kF32) {
          return ctx.Error("the 'value' attribute needs f32 data");
        }
        std::memcpy(fill.data(), &value_, es);
      }
      QS_ASSIGN_OR_RETURN(engine::Tensor y,
                          ctx.AllocateOutput(0, engine::Shape(*od), x.dtype()));
      const char* src = static_cast<const char*>(xc.raw_data());
      char* dst = static_cast<char*>(y.raw_data());
      Visit(*od, maps, xs, n_out, [&](int64_t o, int64_t s) {
        std::memcpy(dst + o * es, s < 0 ? fill.data() : src + s * es, es);
      });
    } else {
      const engine::Tensor& g = ctx.input(0);
      QS_RETURN_IF_ERROR(g.CheckDType(engine::DType::kF32, "PadGrad g"));
      if (g.shape().dims() != *od) return ctx.Error("gradient shape mismatch");
      QS_ASSIGN_OR_RETURN(engine::Tensor gc, g.Contiguous());
      QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
      float* out = dx.data<float>();
      const float* gd = gc.data<float>();
      std::fill(out, out + dx.numel(), 0.0f);
      Visit(*od, maps, xs, n_out, [&](int64_t o, int64_t s) {
        if (s >= 0) out[s] += gd[o];
      });
    }
    return absl::OkStatus();
  }

 private:
  // Calls fn(output offset, source offset or -1) in output order.
  template <typename Fn>
  static void Visit(const std::vector<int64_t>& od,
                    const std::vector<std::vector<int64_t>>& maps,
                    const std::vector<int64_t>& xs, int64_t n_out, Fn fn) {
    const int r = static_cast<int>(od.size());
    if (r == 0) return fn(0, 0);
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < n_out; ++o) {
      int64_t s = 0;
      for (int a = 0; a < r && s >= 0; ++a) {
        const int64_t m = maps[a][idx[a]];
        s = m < 0 ? -1 : s + m * xs[a];
      }
      fn(o, s);
      for (int a = r - 1; a >= 0; --a) {
        if (++idx[a] < od[a]) break;
        idx[a] = 0;
      }
    }
  }

  Mode mode_ = Mode::kConstant;
  std::optional<std::vector<int64_t>> attr_pads_;
  float value_ = 0.0f;
};

template <bool kGrad>
absl::Status Infer(graph::InferContext& c) {
  const int first = kGrad ? 1 : 0;
  const graph::ValueType& x = c.input(first);
  QS_RETURN_IF_ERROR(ParseMode(c.node()).status());
  if constexpr (kGrad) {
    c.set_output(0, graph::ValueType{c.input(0).dtype, x.dims, x.has_rank});
    return absl::OkStatus();
  }
  QS_ASSIGN_OR_RETURN(IntsArg pads, InferIntsArg(c, 1, "pads"));
  QS_ASSIGN_OR_RETURN(IntsArg axes, InferIntsArg(c, 3, ""));
  if (!pads.present) return c.Error("missing pads");
  if (c.has_input(2) && c.input(2).dtype != x.dtype) {
    return c.Error("constant_value " + c.input(2).ToString() +
                   " does not match the data " + x.ToString());
  }
  graph::ValueType out{x.dtype, {}, false};
  if (x.has_rank) {
    out = TypeWithDims(x.dtype, std::vector<int64_t>(x.dims.size(), -1));
    if (pads.values && (!axes.present || axes.values)) {
      absl::StatusOr<std::vector<int64_t>> p =
          FullPads(*pads.values, axes.values, static_cast<int>(x.dims.size()));
      if (!p.ok()) return c.Error(std::string(p.status().message()));
      absl::StatusOr<std::vector<int64_t>> od = PaddedDims(x.dims, *p);
      if (!od.ok()) return c.Error(std::string(od.status().message()));
      out.dims = std::move(*od);
    }
  }
  c.set_output(0, out);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  std::vector<graph::ValueId> in = {b.output_grad(0)};
  for (size_t i = 0; i < b.node().inputs.size(); ++i) in.push_back(b.input(i));
  QS_ASSIGN_OR_RETURN(graph::ValueId g, b.Emit1("PadGrad", in, b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

graph::OpDef Make(bool grad) {
  graph::OpDef d;
  d.type = grad ? "PadGrad" : "Pad";
  d.min_inputs = grad ? 2 : 1;
  d.max_inputs = grad ? 5 : 4;
  d.attrs = {{"mode", graph::AttrType::kString},
             {"pads", graph::AttrType::kInts},
             {"value", graph::AttrType::kFloat}};
  d.infer = grad ? Infer<true> : Infer<false>;
  d.make_cpu_kernel =
      grad ? MakeKernel<PadKernel<true>> : MakeKernel<PadKernel<false>>;
  if (grad) {
    d.differentiable = false;
    d.onnx = {"", "", 0};
  } else {
    d.backward = Backward;
    d.onnx = {"Pad", "", 2};
  }
  return d;
}

}  // namespace

graph::OpDef MakePadOp() { return Make(false); }
graph::OpDef MakePadGradOp() { return Make(true); }

}  // namespace quantsim::ops
