// Resize (ONNX opsets 11/13/18/19 form; 10 and Upsample 7/9 are upgraded
// to it on import): Resize(X, roi?, scales?, sizes?) -> Y, f32, any rank.
//   attrs: mode nearest | linear | cubic; coordinate_transformation_mode
//   half_pixel (default) | half_pixel_symmetric | pytorch_half_pixel |
//   align_corners | asymmetric | tf_half_pixel_for_nn | tf_crop_and_resize;
//   nearest_mode round_prefer_floor (default) | round_prefer_ceil | floor |
//   ceil; cubic_coeff_a (-0.75); exclude_outside; extrapolation_value (tf
//   crop); axes (18); keep_aspect_ratio_policy stretch | not_larger |
//   not_smaller (18). antialias = 1 -> Unimplemented.
// Output size: sizes, or floor(in * scale) (in * (roi_end - roi_start) *
// scale for tf_crop_and_resize). Coordinates are computed in float like ONNX
// Runtime. The op is separable: each resized axis is one pass of taps
// (nearest 1, linear 2, cubic 4 (edge-clamped, or renormalized without the
// outside taps for exclude_outside)), accumulated in double per pass.
// Backward (every mode; resize is linear in X): ResizeGrad (internal)
// applies the transposed passes in reverse order; extrapolated outputs get
// no gradient.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct ResizeAttrs {
  std::string mode = "nearest", coord = "half_pixel",
              nearest = "round_prefer_floor", policy = "stretch";
  float cubic_a = -0.75f, extrapolation = 0.0f;
  bool exclude_outside = false;
  std::optional<std::vector<int64_t>> axes;
};

absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const graph::Node& node) {
  const std::string w = node.Describe();
  const graph::Attributes& a = node.attrs;
  ResizeAttrs r;
  QS_ASSIGN_OR_RETURN(r.mode, a.GetStringOr("mode", "nearest", w));
  QS_ASSIGN_OR_RETURN(r.coord, a.GetStringOr("coordinate_transformation_mode",
                                             "half_pixel", w));
  QS_ASSIGN_OR_RETURN(r.nearest,
                      a.GetStringOr("nearest_mode", "round_prefer_floor", w));
  QS_ASSIGN_OR_RETURN(r.policy,
                      a.GetStringOr("keep_aspect_ratio_policy", "stretch", w));
  QS_ASSIGN_OR_RETURN(r.cubic_a, a.GetFloatOr("cubic_coeff_a", -0.75f, w));
  QS_ASSIGN_OR_RETURN(r.extrapolation,
                      a.GetFloatOr("extrapolation_value", 0.0f, w));
  QS_ASSIGN_OR_RETURN(int64_t ex, a.GetIntOr("exclude_outside", 0, w));
  r.exclude_outside = ex != 0;
  QS_ASSIGN_OR_RETURN(int64_t aa, a.GetIntOr("antialias", 0, w));
  if (aa != 0) return absl::UnimplementedError(w + ": antialias");
  QS_ASSIGN_OR_RETURN(r.axes, OptionalIntsAttr(node, "axes"));
  auto one_of = [&](const std::string& v, const std::string& what,
                    std::vector<std::string> ok) -> absl::Status {
    if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(w, ": unknown ", what, " '", v, "'"));
    }
    return absl::OkStatus();
  };
  QS_RETURN_IF_ERROR(one_of(r.mode, "mode", {"nearest", "linear", "cubic"}));
  QS_RETURN_IF_ERROR(
      one_of(r.coord, "coordinate_transformation_mode",
             {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
              "align_corners", "asymmetric", "tf_half_pixel_for_nn",
              "tf_crop_and_resize"}));
  QS_RETURN_IF_ERROR(
      one_of(r.nearest, "nearest_mode",
             {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}));
  QS_RETURN_IF_ERROR(one_of(r.policy, "keep_aspect_ratio_policy",
                            {"stretch", "not_larger", "not_smaller"}));
  return r;
}

// One resized axis: out x taps (index, weight), extrapolated outputs.
struct AxisPlan {
  int axis = 0;
  int64_t in = 0, out = 0;
  int taps = 1;
  std::vector<int64_t> idx;
  std::vector<float> w;
  std::vector<uint8_t> extrap;
  bool any_extrap = false;
};

struct Plan {
  std::vector<int64_t> out_dims;
  std::vector<AxisPlan> axes;  // non-identity axes, in order
};

void CubicCoeffs(float t, float a, float c[4]) {
  const double A = a, x0 = t + 1.0, x1 = t, x2 = 1.0 - t, x3 = 2.0 - t;
  c[0] = static_cast<float>(((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A);
  c[1] = static_cast<float>(((A + 2) * x1 - (A + 3)) * x1 * x1 + 1);
  c[2] = static_cast<float>(((A + 2) * x2 - (A + 3)) * x2 * x2 + 1);
  c[3] = static_cast<float>(((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A);
}

// `len` is length_resized of the coordinate formulas: the output length,
// or in * scale (not floored, as ONNX's reference) when scales were given.
AxisPlan PlanAxis(const ResizeAttrs& r, int axis, int64_t in, int64_t out,
                  float scale, float len, float roi_start, float roi_end) {
  AxisPlan p;
  p.axis = axis;
  p.in = in;
  p.out = out;
  p.taps = r.mode == "nearest" ? 1 : (r.mode == "linear" ? 2 : 4);
  p.idx.assign(out * p.taps, 0);
  p.w.assign(out * p.taps, 0.0f);
  p.extrap.assign(out, 0);
  const float fin = static_cast<float>(in), fout = static_cast<float>(out);
  for (int64_t j = 0; j < out; ++j) {
    const float x = static_cast<float>(j);
    float o;
    if (r.coord == "half_pixel") {
      o = (x + 0.5f) / scale - 0.5f;
    } else if (r.coord == "half_pixel_symmetric") {
      const float adj = fout / (scale * fin);
      const float center = fin / 2.0f;
      o = center * (1.0f - adj) + (x + 0.5f) / scale - 0.5f;
    } else if (r.coord == "pytorch_half_pixel") {
      o = len > 1.0f ? (x + 0.5f) / scale - 0.5f : 0.0f;
    } else if (r.coord == "align_corners") {
      o = len == 1.0f ? 0.0f : x * (fin - 1.0f) / (len - 1.0f);
    } else if (r.coord == "asymmetric") {
      o = x / scale;
    } else if (r.coord == "tf_half_pixel_for_nn") {
      o = (x + 0.5f) / scale;
    } else {  // tf_crop_and_resize
      o = out > 1 ? roi_start * (fin - 1.0f) +
                        x * (roi_end - roi_start) * (fin - 1.0f) / (fout - 1.0f)
                  : 0.5f * (roi_start + roi_end) * (fin - 1.0f);
      if (o < 0.0f || o > fin - 1.0f) {
        p.extrap[j] = 1;
        p.any_extrap = true;
        continue;
      }
    }
    int64_t* ix = &p.idx[j * p.taps];
    float* wt = &p.w[j * p.taps];
    auto clamp = [&](int64_t v) {
      return std::min(std::max<int64_t>(v, 0), in - 1);
    };
    if (r.mode == "nearest") {
      float n;
      if (r.nearest == "floor") {
        n = std::floor(o);
      } else if (r.nearest == "ceil") {
        n = std::ceil(o);
      } else if (o - std::floor(o) == 0.5f) {
        n = r.nearest == "round_prefer_floor" ? std::floor(o) : std::ceil(o);
      } else {
        n = std::round(o);
      }
      ix[0] = clamp(static_cast<int64_t>(n));
      wt[0] = 1.0f;
    } else if (r.mode == "linear") {
      const float oc = std::min(std::max(o, 0.0f), fin - 1.0f);
      const int64_t i0 = static_cast<int64_t>(std::floor(oc));
      const float t = oc - static_cast<float>(i0);
      ix[0] = i0;
      ix[1] = clamp(i0 + 1);
      wt[0] = 1.0f - t;
      wt[1] = t;
    } else {
      const float fl = std::floor(o);
      const int64_t i0 = static_cast<int64_t>(fl);
      float c[4];
      CubicCoeffs(o - fl, r.cubic_a, c);
      float sum = 0.0f;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = i0 - 1 + k;
        if (r.exclude_outside && (i < 0 || i >= in)) c[k] = 0.0f;
        sum += c[k];
        ix[k] = clamp(i);
      }
      for (int k = 0; k < 4; ++k) {
        wt[k] = r.exclude_outside ? c[k] / sum : c[k];
      }
    }
  }
  return p;
}

bool IsIdentity(const AxisPlan& p) {
  if (p.in != p.out || p.any_extrap) return false;
  for (int64_t j = 0; j < p.out; ++j) {
    for (int t = 0; t < p.taps; ++t) {
      const float w = p.w[j * p.taps + t];
      if (w != 0.0f && !(w == 1.0f && p.idx[j * p.taps + t] == j)) return false;
      if (w == 1.0f && p.idx[j * p.taps + t] != j) return false;
    }
  }
  return true;
}

std::vector<float> FloatValues(const engine::Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

// Inputs roi, scales, sizes start at `first` (1 for Resize, 2 for the grad).
absl::StatusOr<Plan> MakePlan(graph::KernelContext& ctx, const ResizeAttrs& r,
                              const std::vector<int64_t>& in, int first) {
  const int rank = static_cast<int>(in.size());
  std::vector<int> axes(rank);
  for (int i = 0; i < rank; ++i) axes[i] = i;
  if (r.axes) {
    absl::StatusOr<std::vector<int>> a = NormalizeAxes(*r.axes, rank);
    if (!a.ok()) return ctx.Error(std::string(a.status().message()));
    axes = *a;
  }
  const int na = static_cast<int>(axes.size());
  std::vector<float> roi, scales;
  std::vector<int64_t> sizes;
  auto get = [&](int i) -> absl::StatusOr<engine::Tensor> {
    return ctx.input(first + i).Contiguous();
  };
  if (ctx.has_input(first) && ctx.input(first).numel() > 0) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, get(0));
    if (t.dtype() != engine::DType::kF32) return ctx.Error("roi must be f32");
    roi = FloatValues(t);
  }
  if (ctx.has_input(first + 1) && ctx.input(first + 1).numel() > 0) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, get(1));
    if (t.dtype() != engine::DType::kF32)
      return ctx.Error("scales must be f32");
    scales = FloatValues(t);
  }
  if (ctx.has_input(first + 2) && ctx.input(first + 2).numel() > 0) {
    QS_ASSIGN_OR_RETURN(engine::Tensor t, get(2));
    QS_ASSIGN_OR_RETURN(sizes, TensorToInts(t));
  }
  if (scales.empty() == sizes.empty()) {
    return ctx.Error("exactly one of scales and sizes must be given");
  }
  if (!scales.empty() && static_cast<int>(scales.size()) != na) {
    return ctx.Error(absl::StrCat("scales has ", scales.size(), " values for ",
                                  na, " axes"));
  }
  if (!sizes.empty() && static_cast<int>(sizes.size()) != na) {
    return ctx.Error(
        absl::StrCat("sizes has ", sizes.size(), " values for ", na, " axes"));
  }
  const bool crop = r.coord == "tf_crop_and_resize";
  if (crop && static_cast<int>(roi.size()) != 2 * na) {
    return ctx.Error(absl::StrCat("roi needs ", 2 * na, " values"));
  }
  Plan plan;
  plan.out_dims = in;
  std::vector<float> sc(na), len(na);
  if (!scales.empty()) {
    for (int k = 0; k < na; ++k) {
      if (!(scales[k] > 0.0f)) return ctx.Error("scales must be > 0");
      const float extent = crop ? roi[na + k] - roi[k] : 1.0f;
      sc[k] = scales[k];
      len[k] = static_cast<float>(in[axes[k]]) * scales[k];
      plan.out_dims[axes[k]] = static_cast<int64_t>(
          std::floor(static_cast<float>(in[axes[k]]) * extent * scales[k]));
    }
  } else if (r.policy == "stretch") {
    for (int k = 0; k < na; ++k) {
      plan.out_dims[axes[k]] = sizes[k];
      len[k] = static_cast<float>(sizes[k]);
      sc[k] = static_cast<float>(sizes[k]) / static_cast<float>(in[axes[k]]);
    }
  } else {
    float s = r.policy == "not_larger" ? INFINITY : 0.0f;
    for (int k = 0; k < na; ++k) {
      const float v =
          static_cast<float>(sizes[k]) / static_cast<float>(in[axes[k]]);
      s = r.policy == "not_larger" ? std::min(s, v) : std::max(s, v);
    }
    for (int k = 0; k < na; ++k) {
      sc[k] = s;
      plan.out_dims[axes[k]] =
          static_cast<int64_t>(std::round(s * static_cast<float>(in[axes[k]])));
    }
  }
  for (int k = 0; k < na; ++k) {
    const int a = axes[k];
    if (plan.out_dims[a] < 0 || (plan.out_dims[a] > 0 && in[a] == 0)) {
      return ctx.Error("bad output size");
    }
    AxisPlan p = PlanAxis(r, a, in[a], plan.out_dims[a], sc[k], len[k],
                          crop ? roi[k] : 0.0f, crop ? roi[na + k] : 1.0f);
    if (!IsIdentity(p)) plan.axes.push_back(std::move(p));
  }
  return plan;
}

// One forward pass along p.axis of a tensor with dims `d` (d[axis] = p.in).
std::vector<float> Pass(const std::vector<float>& x, std::vector<int64_t>* d,
                        const AxisPlan& p, engine::ThreadPool* pool) {
  const int64_t outer = engine::Shape(*d).Product(0, p.axis);
  const int64_t inner = engine::Shape(*d).Product(p.axis + 1, d->size());
  std::vector<float> y(outer * p.out * inner);
  engine::ParallelFor(pool, outer * p.out, 64, [&](int64_t lo, int64_t hi) {
    std::vector<double> acc(inner);
    for (int64_t oj = lo; oj < hi; ++oj) {
      const int64_t o = oj / p.out, j = oj % p.out;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int t = 0; t < p.taps; ++t) {
        const double w = p.w[j * p.taps + t];
        if (w == 0.0) continue;
        const float* xr = &x[(o * p.in + p.idx[j * p.taps + t]) * inner];
        for (int64_t i = 0; i < inner; ++i) acc[i] += w * xr[i];
      }
      for (int64_t i = 0; i < inner; ++i) y[oj * inner + i] = acc[i];
    }
  });
  (*d)[p.axis] = p.out;
  return y;
}

// The transposed pass: dy (d[axis] = p.out) -> dx (d[axis] = p.in).
std::vector<float> PassT(const std::vector<float>& dy, std::vector<int64_t>* d,
                         const AxisPlan& p, engine::ThreadPool* pool) {
  const int64_t outer = engine::Shape(*d).Product(0, p.axis);
  const int64_t inner = engine::Shape(*d).Product(p.axis + 1, d->size());
  std::vector<double> acc(outer * p.in * inner, 0.0);
  engine::ParallelFor(pool, outer, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      for (int64_t j = 0; j < p.out; ++j) {
        const float* g = &dy[(o * p.out + j) * inner];
        for (int t = 0; t < p.taps; ++t) {
          const double w = p.w[j * p.taps + t];
          if (w == 0.0) continue;
          double* dx = &acc[(o * p.in + p.idx[j * p.taps + t]) * inner];
          for (int64_t i = 0; i < inner; ++i) dx[i] += w * g[i];
        }
      }
    }
  });
  (*d)[p.axis] = p.in;
  return std::vector<float>(acc.begin(), acc.end());
}

// Calls fn(flat index) for every output element extrapolated on some axis.
template <typename F>
void ForEachExtrapolated(const Plan& plan, F fn) {
  bool any = false;
  for (const AxisPlan& p : plan.axes) any = any || p.any_extrap;
  if (!any) return;
  const engine::Shape s(plan.out_dims);
  const std::vector<int64_t> st = s.ContiguousStrides();
  for (int64_t e = 0; e < s.NumElements(); ++e) {
    for (const AxisPlan& p : plan.axes) {
      if (p.any_extrap && p.extrap[(e / st[p.axis]) % p.out]) {
        fn(e);
        break;
      }
    }
  }
}

class ResizeKernel final : public graph::OpKernel {
 public:
  ResizeKernel(ResizeAttrs r, bool grad) : r_(std::move(r)), grad_(grad) {}

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int xi = grad_ ? 1 : 0;
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(xi).Contiguous());
    QS_ASSIGN_OR_RETURN(Plan plan, MakePlan(ctx, r_, x.shape().dims(), xi + 1));
    if (!grad_) {
      std::vector<float> cur(x.data<float>(), x.data<float>() + x.numel());
      std::vector<int64_t> d = x.shape().dims();
      for (const AxisPlan& p : plan.axes) cur = Pass(cur, &d, p, ctx.pool());
      QS_ASSIGN_OR_RETURN(engine::Tensor y,
                          ctx.AllocateOutput(0, engine::Shape(plan.out_dims)));
      std::copy(cur.begin(), cur.end(), y.data<float>());
      ForEachExtrapolated(
          plan, [&](int64_t e) { y.data<float>()[e] = r_.extrapolation; });
      return absl::OkStatus();
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    if (dy.shape().dims() != plan.out_dims) {
      return ctx.Error("dy does not match the resize output");
    }
    std::vector<float> cur(dy.data<float>(), dy.data<float>() + dy.numel());
    ForEachExtrapolated(plan, [&](int64_t e) { cur[e] = 0.0f; });
    std::vector<int64_t> d = plan.out_dims;
    for (auto it = plan.axes.rbegin(); it != plan.axes.rend(); ++it) {
      cur = PassT(cur, &d, *it, ctx.pool());
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    std::copy(cur.begin(), cur.end(), dx.data<float>());
    return absl::OkStatus();
  }

 private:
  ResizeAttrs r_;
  bool grad_;
};

template <bool kGrad>
absl::StatusOr<std::unique_ptr<graph::OpKernel>> MakeResizeKernel(
    const graph::Node& node) {
  QS_ASSIGN_OR_RETURN(ResizeAttrs r, ParseResizeAttrs(node));
  return std::unique_ptr<graph::OpKernel>(
      std::make_unique<ResizeKernel>(std::move(r), kGrad));
}

absl::Status InferResize(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(ResizeAttrs r, ParseResizeAttrs(c.node()));
  graph::ValueType y = c.input(0);
  if (!y.has_rank) {
    c.set_output(0, y);
    return absl::OkStatus();
  }
  const int rank = static_cast<int>(y.dims.size());
  std::vector<int> axes(rank);
  for (int i = 0; i < rank; ++i) axes[i] = i;
  if (r.axes) {
    absl::StatusOr<std::vector<int>> a = NormalizeAxes(*r.axes, rank);
    if (!a.ok()) return c.Error(std::string(a.status().message()));
    axes = *a;
  }
  // Static output dims only in the common cases (stretch, no crop).
  const engine::Tensor* scales = c.has_input(2) ? c.constant_input(2) : nullptr;
  const engine::Tensor* sizes = c.has_input(3) ? c.constant_input(3) : nullptr;
  for (int a : axes) y.dims[a] = -1;
  if (r.policy == "stretch" && r.coord != "tf_crop_and_resize") {
    if (sizes && sizes->numel() == static_cast<int64_t>(axes.size())) {
      QS_ASSIGN_OR_RETURN(std::vector<int64_t> s, TensorToInts(*sizes));
      for (size_t k = 0; k < axes.size(); ++k) y.dims[axes[k]] = s[k];
    } else if (scales && scales->numel() == static_cast<int64_t>(axes.size()) &&
               scales->dtype() == engine::DType::kF32) {
      for (size_t k = 0; k < axes.size(); ++k) {
        const int64_t in = c.input(0).dims[axes[k]];
        if (in >= 0) {
          y.dims[axes[k]] = static_cast<int64_t>(
              std::floor(static_cast<float>(in) * scales->data<float>()[k]));
        }
      }
    }
  }
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status ResizeBackward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  std::vector<graph::ValueId> in = {b.output_grad(0), b.input(0)};
  for (size_t i = 1; i < 4; ++i) {
    in.push_back(i < b.node().inputs.size() ? b.input(i) : graph::kNoValue);
  }
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("ResizeGrad", in, b.node().attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

std::vector<graph::AttrSpec> ResizeAttrSpecs() {
  using graph::AttrType;
  return {{"mode", AttrType::kString},
          {"coordinate_transformation_mode", AttrType::kString},
          {"nearest_mode", AttrType::kString},
          {"cubic_coeff_a", AttrType::kFloat},
          {"exclude_outside", AttrType::kInt},
          {"extrapolation_value", AttrType::kFloat},
          {"antialias", AttrType::kInt},
          {"axes", AttrType::kInts},
          {"keep_aspect_ratio_policy", AttrType::kString}};
}

}  // namespace

graph::OpDef MakeResizeOp() {
  graph::OpDef d;
  d.type = "Resize";
  d.min_inputs = 1;
  d.max_inputs = 4;
  d.attrs = ResizeAttrSpecs();
  d.infer = InferResize;
  d.make_cpu_kernel = MakeResizeKernel<false>;
  d.backward = ResizeBackward;
  d.onnx = {"Resize", "", 11};
  return d;
}

graph::OpDef MakeResizeGradOp() {
  graph::OpDef d;
  d.type = "ResizeGrad";
  d.min_inputs = 2;
  d.max_inputs = 5;
  d.attrs = ResizeAttrSpecs();
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeResizeKernel<true>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
