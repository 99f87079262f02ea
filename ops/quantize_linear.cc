// QuantizeLinear / DequantizeLinear (ONNX opsets 10, 13, 19, 21) and
// DynamicQuantizeLinear (11), CPU forward.
//   QuantizeLinear(x f32, y_scale f32, y_zero_point?) -> y (int)
//     y = saturate(round_half_to_even(x / scale) + zero_point), exactly ONNX
//     Runtime's nearbyint(x / scale) + zp then saturate, through
//     kernels::QuantizeToInt (kHalfToEven). The output type is the zero
//     point's, else the `output_dtype` attribute (21), else uint8.
//   DequantizeLinear(x int, x_scale f32, x_zero_point?) -> y f32
//     y = (x - zero_point) * scale in float (kernels::DequantizeFromInt;
//     int32 subtracts in integers first, like ORT).
//   Scale/zero point: one value (per tensor; also a 1-element 1-D tensor),
//   1-D per `axis` (default 1), or blocked (`block_size` > 0, opset 21: the
//   scale has x's rank with dim `axis` = ceil(x.dim(axis) / block_size)).
//   Types: uint8, int8, uint16, int16 (and int32 for DequantizeLinear).
//   int4/uint4 and float8 (output_dtype 17..22, saturate) -> Unimplemented.
// Backward (the straight-through estimator, so a re-imported QDQ model can
// be fine-tuned): DequantizeLinear passes dq = dy * scale to its integer
// input (DequantizeLinearGrad) and QuantizeLinear passes dx = dq / scale
// where round(x / scale) + zp lies inside the integer range, 0 elsewhere
// (QuantizeLinearGrad, FakeQuantize's mask rule); a Q -> DQ pair thus gives
// dx = mask * dy. Scales and zero points get no gradient.
//   DynamicQuantizeLinear(x f32) -> (y u8, y_scale f32[], y_zero_point u8[])
//     with ORT's rule: lo = min(0, min x), hi = max(0, max x),
//     scale = hi == lo ? 1 : (hi - lo) / 255,
//     zp = round_half_to_even(clamp(0 - lo / scale, 0, 255)).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/fake_quant/fake_quant.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using kernels::QdqLayout;
using kernels::QdqParam;

bool IsQuantType(DType d, bool allow_i32) {
  return d == DType::kU8 || d == DType::kI8 || d == DType::kU16 ||
         d == DType::kI16 || (allow_i32 && d == DType::kI32);
}

void QuantRange(DType d, float* lo, float* hi) {
  switch (d) {
    case DType::kI8:
      *lo = -128.0f, *hi = 127.0f;
      return;
    case DType::kU16:
      *lo = 0.0f, *hi = 65535.0f;
      return;
    case DType::kI16:
      *lo = -32768.0f, *hi = 32767.0f;
      return;
    case DType::kI32:
      *lo = -2147483648.0f, *hi = 2147483520.0f;  // largest float < 2^31
      return;
    default:
      *lo = 0.0f, *hi = 255.0f;
  }
}

// The parsed attributes shared by both ops and their gradient ops.
struct QdqAttrs {
  int64_t axis = 1;
  int64_t block_size = 0;
  int64_t output_dtype = 0;  // QuantizeLinear 21 (0 = from the zero point)
};

absl::StatusOr<QdqAttrs> ParseQdqAttrs(const graph::Node& node) {
  const std::string where = node.Describe();
  QdqAttrs a;
  QS_ASSIGN_OR_RETURN(a.axis, node.attrs.GetIntOr("axis", 1, where));
  QS_ASSIGN_OR_RETURN(a.block_size,
                      node.attrs.GetIntOr("block_size", 0, where));
  QS_ASSIGN_OR_RETURN(a.output_dtype,
                      node.attrs.GetIntOr("output_dtype", 0, where));
  if (a.block_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": block_size must be >= 0"));
  }
  if (a.output_dtype >= 17 && a.output_dtype <= 20) {
    return absl::UnimplementedError(absl::StrCat(
        where, ": float8 quantization (output_dtype ", a.output_dtype, ")"));
  }
  if (a.output_dtype == 21 || a.output_dtype == 22) {
    return absl::UnimplementedError(
        absl::StrCat(where, ": int4/uint4 quantization"));
  }
  if (node.attrs.Has("saturate")) {
    // saturate only applies to float8 outputs; it is harmless otherwise.
  }
  return a;
}

// Maps x's elements onto the scale's values (per tensor / axis / block).
absl::StatusOr<QdqLayout> MakeLayout(const engine::Shape& x,
                                     const engine::Shape& scale,
                                     const QdqAttrs& a) {
  if (a.block_size == 0 && scale.NumElements() == 1 && scale.rank() <= 1) {
    return kernels::PerTensorLayout(x.NumElements());
  }
  QS_ASSIGN_OR_RETURN(int axis, NormalizeAxis(a.axis, x.rank()));
  QdqLayout l;
  l.outer = x.Product(0, axis);
  l.axis = x.dim(axis);
  l.inner = x.Product(axis + 1, x.rank());
  if (a.block_size == 0) {
    if (scale.rank() != 1 || scale.dim(0) != x.dim(axis)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "per-axis scale ", scale.ToString(), " needs ", x.dim(axis),
          " values (axis ", axis, " of ", x.ToString(), ")"));
    }
    return l;
  }
  l.block = a.block_size;
  l.vary_outer = l.vary_inner = true;
  std::vector<int64_t> want = x.dims();
  want[axis] = l.AxisBlocks();
  if (scale.dims() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("blocked scale ", scale.ToString(), " must be ",
                     engine::Shape(want).ToString()));
  }
  return l;
}

// Integer values of a zero-point tensor (any quant dtype).
std::vector<int64_t> IntValues(const engine::Tensor& t) {
  std::vector<int64_t> v(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::kU8:
        v[i] = t.data<uint8_t>()[i];
        break;
      case DType::kI8:
        v[i] = t.data<int8_t>()[i];
        break;
      case DType::kU16:
        v[i] = t.data<uint16_t>()[i];
        break;
      case DType::kI16:
        v[i] = t.data<int16_t>()[i];
        break;
      case DType::kI32:
        v[i] = t.data<int32_t>()[i];
        break;
      default:
        v[i] = 0;
    }
  }
  return v;
}

// Reads (scale, zero point) inputs 1 and 2 into per-layout parameters.
absl::Status ReadParams(graph::KernelContext& ctx, const engine::Shape& x,
                        const QdqAttrs& a, DType qtype, QdqLayout* layout,
                        std::vector<QdqParam>* params,
                        std::vector<int64_t>* zps) {
  QS_ASSIGN_OR_RETURN(engine::Tensor s, ctx.input(1).Contiguous());
  if (s.dtype() != DType::kF32) {
    return absl::UnimplementedError(
        absl::StrCat(ctx.node().Describe(), ": scale of type ",
                     DTypeName(s.dtype()), " (only float32)"));
  }
  absl::StatusOr<QdqLayout> l = MakeLayout(x, s.shape(), a);
  if (!l.ok()) return ctx.Error(std::string(l.status().message()));
  *layout = *l;
  const int64_t n = layout->NumParams();
  std::vector<int64_t> z(n, 0);
  if (ctx.has_input(2)) {
    QS_ASSIGN_OR_RETURN(engine::Tensor zt, ctx.input(2).Contiguous());
    if (zt.shape() != s.shape() && !(zt.numel() == 1 && s.numel() == 1)) {
      return ctx.Error(absl::StrCat("zero point ", zt.shape().ToString(),
                                    " must be shaped like the scale ",
                                    s.shape().ToString()));
    }
    z = IntValues(zt);
  }
  float qmin, qmax;
  QuantRange(qtype, &qmin, &qmax);
  params->resize(n);
  for (int64_t i = 0; i < n; ++i) {
    (*params)[i] = kernels::MakeQdqParam(s.data<float>()[i],
                                         static_cast<float>(z[i]), qmin, qmax);
  }
  if (zps) *zps = std::move(z);
  kernels::QdqConfig config;
  config.qmin = qmin;
  config.qmax = qmax;
  absl::Status check =
      kernels::CheckQdqArgs(*layout, params->data(), n, config);
  if (!check.ok()) return ctx.Error(std::string(check.message()));
  return absl::OkStatus();
}

absl::StatusOr<DType> QuantizeOutputType(const QdqAttrs& a, bool has_zp,
                                         DType zp_type) {
  if (has_zp) return zp_type;
  if (a.output_dtype != 0) return DTypeFromOnnx(a.output_dtype);
  return DType::kU8;
}

class QuantizeLinearKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<QuantizeLinearKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<QuantizeLinearKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseQdqAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    if (x.dtype() != DType::kF32) {
      return absl::UnimplementedError(absl::StrCat(
          ctx.node().Describe(), ": input of type ", DTypeName(x.dtype())));
    }
    const bool has_zp = ctx.has_input(2);
    QS_ASSIGN_OR_RETURN(
        DType qt, QuantizeOutputType(
                      a_, has_zp, has_zp ? ctx.input(2).dtype() : DType::kU8));
    if (!IsQuantType(qt, false)) {
      return absl::UnimplementedError(
          absl::StrCat(ctx.node().Describe(), ": output type ", DTypeName(qt)));
    }
    QdqLayout layout;
    std::vector<QdqParam> params;
    QS_RETURN_IF_ERROR(
        ReadParams(ctx, x.shape(), a_, qt, &layout, &params, nullptr));
    kernels::QdqConfig config;
    QuantRange(qt, &config.qmin, &config.qmax);
    config.rounding = kernels::RoundingMode::kHalfToEven;
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape(), qt));
    const float* xp = x.data<float>();
    switch (qt) {
      case DType::kU8:
        kernels::QuantizeToInt(xp, y.data<uint8_t>(), layout, params.data(),
                               config, ctx.pool(), ctx.isa());
        break;
      case DType::kI8:
        kernels::QuantizeToInt(xp, y.data<int8_t>(), layout, params.data(),
                               config, ctx.pool(), ctx.isa());
        break;
      case DType::kU16:
        kernels::QuantizeToInt(xp, y.data<uint16_t>(), layout, params.data(),
                               config, ctx.pool(), ctx.isa());
        break;
      default:
        kernels::QuantizeToInt(xp, y.data<int16_t>(), layout, params.data(),
                               config, ctx.pool(), ctx.isa());
    }
    return absl::OkStatus();
  }

 private:
  QdqAttrs a_;
};

class DequantizeLinearKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DequantizeLinearKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<DequantizeLinearKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseQdqAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    const DType qt = x.dtype();
    if (!IsQuantType(qt, true)) {
      return absl::UnimplementedError(absl::StrCat(
          ctx.node().Describe(), ": input of type ", DTypeName(qt)));
    }
    if (ctx.has_input(2) && ctx.input(2).dtype() != qt) {
      return ctx.Error("zero point type differs from the input's");
    }
    QdqLayout layout;
    std::vector<QdqParam> params;
    std::vector<int64_t> zps;
    QS_RETURN_IF_ERROR(
        ReadParams(ctx, x.shape(), a_, qt, &layout, &params, &zps));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    float* yp = y.data<float>();
    switch (qt) {
      case DType::kU8:
        kernels::DequantizeFromInt(x.data<uint8_t>(), yp, layout, params.data(),
                                   ctx.pool(), ctx.isa());
        break;
      case DType::kI8:
        kernels::DequantizeFromInt(x.data<int8_t>(), yp, layout, params.data(),
                                   ctx.pool(), ctx.isa());
        break;
      case DType::kU16:
        kernels::DequantizeFromInt(x.data<uint16_t>(), yp, layout,
                                   params.data(), ctx.pool(), ctx.isa());
        break;
      case DType::kI16:
        kernels::DequantizeFromInt(x.data<int16_t>(), yp, layout, params.data(),
                                   ctx.pool(), ctx.isa());
        break;
      default: {  // int32: subtract in integers first (ORT)
        const int32_t* q = x.data<int32_t>();
        for (int64_t o = 0; o < layout.outer; ++o) {
          for (int64_t ax = 0; ax < layout.axis; ++ax) {
            const int64_t base = (o * layout.axis + ax) * layout.inner;
            const int64_t pi = layout.RunParamIndex(o, ax);
            for (int64_t i = 0; i < layout.inner; ++i) {
              const int64_t p = pi + (layout.vary_inner ? i : 0);
              yp[base + i] = static_cast<float>(
                                 static_cast<int64_t>(q[base + i]) - zps[p]) *
                             params[p].scale;
            }
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  QdqAttrs a_;
};

// DequantizeLinearGrad(dy, scale): dq = dy * scale (per layout).
// QuantizeLinearGrad(dq, x, scale, zero_point?): dx = in range ? dq / scale
// : 0; the integer type is the zero point's or `output_dtype` (or uint8).
class QdqGradKernel final : public graph::OpKernel {
 public:
  QdqGradKernel(QdqAttrs a, bool quantize) : a_(a), quantize_(quantize) {}

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor g, ctx.input(0).Contiguous());
    DType qt = DType::kU8;
    engine::Tensor x;
    if (quantize_) {
      QS_ASSIGN_OR_RETURN(x, ctx.input(1).Contiguous());
      const bool has_zp = ctx.has_input(3);
      QS_ASSIGN_OR_RETURN(
          qt, QuantizeOutputType(a_, has_zp,
                                 has_zp ? ctx.input(3).dtype() : DType::kU8));
      if (x.shape() != g.shape()) return ctx.Error("dq and x differ in shape");
    }
    // Reuse ReadParams through a view whose inputs 1, 2 are scale, zp.
    struct Shifted : graph::KernelContext {
      graph::KernelContext& c;
      int shift;
      Shifted(graph::KernelContext& c, int shift) : c(c), shift(shift) {}
      const graph::Node& node() const override { return c.node(); }
      int num_inputs() const override { return c.num_inputs() - shift; }
      bool has_input(int i) const override { return c.has_input(i + shift); }
      const engine::Tensor& input(int i) const override {
        return c.input(i + shift);
      }
      int num_outputs() const override { return c.num_outputs(); }
      absl::StatusOr<engine::Tensor> AllocateOutput(int i,
                                                    const engine::Shape& s,
                                                    DType d) override {
        return c.AllocateOutput(i, s, d);
      }
      void SetOutput(int i, engine::Tensor t) override {
        c.SetOutput(i, std::move(t));
      }
      const engine::Context& context() const override { return c.context(); }
      bool training() const override { return c.training(); }
    } view(ctx, quantize_ ? 1 : 0);
    QdqLayout layout;
    std::vector<QdqParam> params;
    QS_RETURN_IF_ERROR(
        ReadParams(view, g.shape(), a_, qt, &layout, &params, nullptr));
    kernels::QdqConfig config;
    QuantRange(qt, &config.qmin, &config.qmax);
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, g.shape()));
    const float* gp = g.data<float>();
    const float* xp = quantize_ ? x.data<float>() : nullptr;
    float* dp = dx.data<float>();
    for (int64_t o = 0; o < layout.outer; ++o) {
      for (int64_t ax = 0; ax < layout.axis; ++ax) {
        const int64_t base = (o * layout.axis + ax) * layout.inner;
        const int64_t pi = layout.RunParamIndex(o, ax);
        for (int64_t i = 0; i < layout.inner; ++i) {
          const QdqParam& p = params[pi + (layout.vary_inner ? i : 0)];
          const int64_t e = base + i;
          if (!quantize_) {
            dp[e] = gp[e] * p.scale;
          } else {
            dp[e] = kernels::QdqMaskValue(xp[e], p, config) ? gp[e] / p.scale
                                                            : 0.0f;
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  QdqAttrs a_;
  bool quantize_;
};

template <bool kQuantize>
absl::StatusOr<std::unique_ptr<graph::OpKernel>> MakeGradKernel(
    const graph::Node& node) {
  QS_ASSIGN_OR_RETURN(QdqAttrs a, ParseQdqAttrs(node));
  return std::unique_ptr<graph::OpKernel>(
      std::make_unique<QdqGradKernel>(a, kQuantize));
}

absl::Status InferQuantize(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  QS_ASSIGN_OR_RETURN(QdqAttrs a, ParseQdqAttrs(c.node()));
  const bool has_zp = c.has_input(2);
  QS_ASSIGN_OR_RETURN(
      DType qt,
      QuantizeOutputType(a, has_zp, has_zp ? c.input(2).dtype : DType::kU8));
  if (!IsQuantType(qt, false)) {
    return absl::UnimplementedError(
        absl::StrCat(c.node().Describe(), ": output type ", DTypeName(qt)));
  }
  graph::ValueType y = c.input(0);
  y.dtype = qt;
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status InferDequantize(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(ParseQdqAttrs(c.node()).status());
  if (!IsQuantType(c.input(0).dtype, true)) {
    return absl::UnimplementedError(absl::StrCat(
        c.node().Describe(), ": input of type ", DTypeName(c.input(0).dtype)));
  }
  graph::ValueType y = c.input(0);
  y.dtype = DType::kF32;
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status QuantizeBackward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  std::vector<graph::ValueId> in = {b.output_grad(0), b.input(0), b.input(1)};
  if (b.node().inputs.size() > 2) in.push_back(b.input(2));
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("QuantizeLinearGrad", in, b.node().attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

absl::Status DequantizeBackward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(graph::ValueId dq,
                      b.Emit1("DequantizeLinearGrad",
                              {b.output_grad(0), b.input(1)}, b.node().attrs));
  b.SetInputGrad(0, dq);
  return absl::OkStatus();
}

std::vector<graph::AttrSpec> QdqAttrSpecs() {
  return {{"axis", graph::AttrType::kInt},
          {"block_size", graph::AttrType::kInt},
          {"output_dtype", graph::AttrType::kInt},
          {"saturate", graph::AttrType::kInt}};
}

graph::OpDef GradOp(const std::string& type, int inputs_min, int inputs_max) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = inputs_min;
  d.max_inputs = inputs_max;
  d.attrs = QdqAttrSpecs();
  d.infer = [](graph::InferContext& c) {
    graph::ValueType t = c.input(0);
    t.dtype = DType::kF32;
    c.set_output(0, t);
    return absl::OkStatus();
  };
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

// ---- DynamicQuantizeLinear. ----
class DynamicQuantizeLinearKernel final : public graph::OpKernel {
 public:
  explicit DynamicQuantizeLinearKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    const float* xp = x.data<float>();
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < x.numel(); ++i) {
      lo = std::fmin(lo, xp[i]);
      hi = std::fmax(hi, xp[i]);
    }
    const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    const float zp = kernels::RoundHalfToEven(
        kernels::ClampKeepNan(0.0f - lo / scale, 0.0f, 255.0f));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, x.shape(), DType::kU8));
    QS_ASSIGN_OR_RETURN(engine::Tensor ys,
                        ctx.AllocateOutput(1, engine::Shape(), DType::kF32));
    QS_ASSIGN_OR_RETURN(engine::Tensor yz,
                        ctx.AllocateOutput(2, engine::Shape(), DType::kU8));
    *ys.data<float>() = scale;
    *yz.data<uint8_t>() = static_cast<uint8_t>(zp);
    const QdqParam p = kernels::MakeQdqParam(scale, zp, 0.0f, 255.0f);
    kernels::QdqConfig config;
    config.qmin = 0.0f;
    config.qmax = 255.0f;
    kernels::QuantizeToInt(xp, y.data<uint8_t>(),
                           kernels::PerTensorLayout(x.numel()), &p, config,
                           ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }
};

}  // namespace

graph::OpDef MakeQuantizeLinearOp() {
  graph::OpDef d;
  d.type = "QuantizeLinear";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = QdqAttrSpecs();
  d.infer = InferQuantize;
  d.make_cpu_kernel = MakeKernel<QuantizeLinearKernel>;
  d.backward = QuantizeBackward;
  d.onnx = {"QuantizeLinear", "", 10};
  return d;
}

graph::OpDef MakeDequantizeLinearOp() {
  graph::OpDef d;
  d.type = "DequantizeLinear";
  d.min_inputs = 2;
  d.max_inputs = 3;
  d.attrs = QdqAttrSpecs();
  d.infer = InferDequantize;
  d.make_cpu_kernel = MakeKernel<DequantizeLinearKernel>;
  d.backward = DequantizeBackward;
  d.onnx = {"DequantizeLinear", "", 10};
  return d;
}

graph::OpDef MakeQuantizeLinearGradOp() {
  graph::OpDef d = GradOp("QuantizeLinearGrad", 3, 4);
  d.make_cpu_kernel = MakeGradKernel<true>;
  return d;
}

graph::OpDef MakeDequantizeLinearGradOp() {
  graph::OpDef d = GradOp("DequantizeLinearGrad", 2, 2);
  d.make_cpu_kernel = MakeGradKernel<false>;
  return d;
}

graph::OpDef MakeDynamicQuantizeLinearOp() {
  graph::OpDef d;
  d.type = "DynamicQuantizeLinear";
  d.min_inputs = d.max_inputs = 1;
  d.min_outputs = d.max_outputs = 3;
  d.infer = [](graph::InferContext& c) -> absl::Status {
    QS_RETURN_IF_ERROR(RequireF32(c, 0));
    graph::ValueType y = c.input(0);
    y.dtype = DType::kU8;
    c.set_output(0, y);
    c.set_output(1, TypeWithDims(DType::kF32, {}));
    c.set_output(2, TypeWithDims(DType::kU8, {}));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<DynamicQuantizeLinearKernel>;
  d.differentiable = false;
  d.onnx = {"DynamicQuantizeLinear", "", 11};
  return d;
}

}  // namespace quantsim::ops
