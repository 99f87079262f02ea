// Integer convolution / matmul ops (ONNX opset 10), CPU forward:
//   ConvInteger(x, w, x_zero_point?, w_zero_point?) -> y int32
//   MatMulInteger(a, b, a_zero_point?, b_zero_point?) -> y int32
//   QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) -> y
//   QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y
// x, w, a, b are uint8 or int8. Sums of (x - x_zp)(w - w_zp) are exact in
// 64-bit integers (the int32 outputs wrap like ORT's int32 accumulators);
// w_zp / w_scale may be per output channel (Conv), a's per row and b's per
// column (MatMul). QLinear* requantize like ONNX Runtime:
//   y = saturate(round_half_to_even(float(acc [+ B]) * m) + y_zp),
//   m = a_scale * b_scale / y_scale (float, per output channel / column).
// Conv attributes as Conv's (ops/nn_util.h). Not differentiable.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "ops/nn_util.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using engine::DType;

bool Is8Bit(DType d) { return d == DType::kU8 || d == DType::kI8; }

// Values of an integer tensor widened to int64 (u8/i8/u16/i16/i32).
std::vector<int64_t> Widen(const engine::Tensor& t) {
  std::vector<int64_t> v(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::kU8:
        v[i] = t.data<uint8_t>()[i];
        break;
      case DType::kI8:
        v[i] = t.data<int8_t>()[i];
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

// An optional per-tensor or per-`n` parameter input: `n` values out.
template <typename T>
absl::StatusOr<std::vector<T>> ParamValues(graph::KernelContext& ctx, int i,
                                           int64_t n, const char* what) {
  std::vector<T> out(n, T(0));
  if (!ctx.has_input(i)) return out;
  QS_ASSIGN_OR_RETURN(engine::Tensor t, ctx.input(i).Contiguous());
  if (t.numel() != 1 && t.numel() != n) {
    return ctx.Error(
        absl::StrCat(what, " has ", t.numel(), " values, needs 1 or ", n));
  }
  std::vector<T> v;
  if constexpr (std::is_same_v<T, float>) {
    if (t.dtype() != DType::kF32)
      return ctx.Error(absl::StrCat(what, " must be f32"));
    v.assign(t.data<float>(), t.data<float>() + t.numel());
  } else {
    v = Widen(t);
  }
  for (int64_t k = 0; k < n; ++k) out[k] = v[t.numel() == 1 ? 0 : k];
  return out;
}

absl::Status CheckInt8(graph::KernelContext& ctx, int i) {
  if (!Is8Bit(ctx.input(i).dtype())) {
    return absl::UnimplementedError(
        absl::StrCat(ctx.node().Describe(), ": input ", i, " of type ",
                     DTypeName(ctx.input(i).dtype()), " (uint8/int8 only)"));
  }
  return absl::OkStatus();
}

// acc[n, m, p] = sum (x - xz)(w - wz[m]) over the window (zero padding in
// the shifted domain, as ORT pads x with its zero point).
void IntConv(const kernels::ConvShape& s, const std::vector<int64_t>& x,
             const std::vector<int64_t>& w, std::vector<int64_t>* acc,
             engine::ThreadPool* pool) {
  const int64_t o0 = s.OutSize(0), o1 = s.rank > 1 ? s.OutSize(1) : 1,
                o2 = s.rank > 2 ? s.OutSize(2) : 1;
  const int64_t i0 = s.in_size[0], i1 = s.rank > 1 ? s.in_size[1] : 1,
                i2 = s.rank > 2 ? s.in_size[2] : 1;
  const int64_t k0 = s.kernel[0], k1 = s.rank > 1 ? s.kernel[1] : 1,
                k2 = s.rank > 2 ? s.kernel[2] : 1;
  const int64_t cg = s.InChannelsPerGroup(), mg = s.OutChannelsPerGroup();
  const int64_t in_pos = i0 * i1 * i2, out_pos = o0 * o1 * o2,
                taps = k0 * k1 * k2;
  acc->assign(s.batch * s.out_channels * out_pos, 0);
  auto at = [&](int d, int64_t o, int64_t k) {
    return o * s.stride[d] - s.pad_begin[d] + k * s.dilation[d];
  };
  engine::ParallelFor(
      pool, s.batch * s.out_channels, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t nm = lo; nm < hi; ++nm) {
          const int64_t n = nm / s.out_channels, m = nm % s.out_channels;
          const int64_t g = m / mg;
          int64_t* out = acc->data() + nm * out_pos;
          for (int64_t c = 0; c < cg; ++c) {
            const int64_t* xp =
                x.data() + (n * s.in_channels + g * cg + c) * in_pos;
            const int64_t* wp = w.data() + (m * cg + c) * taps;
            for (int64_t a = 0; a < o0; ++a)
              for (int64_t b = 0; b < o1; ++b)
                for (int64_t e = 0; e < o2; ++e) {
                  int64_t sum = 0;
                  for (int64_t q0 = 0; q0 < k0; ++q0) {
                    const int64_t y0 = at(0, a, q0);
                    if (y0 < 0 || y0 >= i0) continue;
                    for (int64_t q1 = 0; q1 < k1; ++q1) {
                      const int64_t y1 = s.rank > 1 ? at(1, b, q1) : 0;
                      if (y1 < 0 || y1 >= i1) continue;
                      for (int64_t q2 = 0; q2 < k2; ++q2) {
                        const int64_t y2 = s.rank > 2 ? at(2, e, q2) : 0;
                        if (y2 < 0 || y2 >= i2) continue;
                        sum += xp[(y0 * i1 + y1) * i2 + y2] *
                               wp[(q0 * k1 + q1) * k2 + q2];
                      }
                    }
                  }
                  out[(a * o1 + b) * o2 + e] += sum;
                }
          }
        }
      });
}

// Inputs of the integer conv: indices of x, x_zp, w, w_zp.
struct ConvIdx {
  int x, xz, w, wz;
};

absl::StatusOr<kernels::ConvShape> RunIntConv(graph::KernelContext& ctx,
                                              const ConvAttrs& attrs,
                                              const ConvIdx& ix,
                                              std::vector<int64_t>* acc) {
  QS_RETURN_IF_ERROR(CheckInt8(ctx, ix.x));
  QS_RETURN_IF_ERROR(CheckInt8(ctx, ix.w));
  QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(ix.x).Contiguous());
  QS_ASSIGN_OR_RETURN(engine::Tensor w, ctx.input(ix.w).Contiguous());
  QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                      RunConvShape(ctx, attrs, x.shape(), w.shape()));
  QS_ASSIGN_OR_RETURN(std::vector<int64_t> xz,
                      ParamValues<int64_t>(ctx, ix.xz, 1, "x zero point"));
  QS_ASSIGN_OR_RETURN(
      std::vector<int64_t> wz,
      ParamValues<int64_t>(ctx, ix.wz, s.out_channels, "w zero point"));
  std::vector<int64_t> xv = Widen(x), wv = Widen(w);
  for (int64_t& v : xv) v -= xz[0];
  const int64_t per_m = wv.size() / s.out_channels;
  for (size_t i = 0; i < wv.size(); ++i) wv[i] -= wz[i / per_m];
  IntConv(s, xv, wv, acc, ctx.pool());
  return s;
}

std::vector<int64_t> ConvOutDims(const kernels::ConvShape& s) {
  std::vector<int64_t> d = {s.batch, s.out_channels};
  for (int i = 0; i < s.rank; ++i) d.push_back(s.OutSize(i));
  return d;
}

// Writes saturate(rhe(float(acc) * m[c]) + zp) in `out`'s 8-bit type;
// c = (i / inner) % channels.
absl::Status Requantize(graph::KernelContext& ctx,
                        const std::vector<int64_t>& acc,
                        const std::vector<float>& m, int64_t inner, int64_t zp,
                        engine::Tensor* out) {
  const int64_t channels = static_cast<int64_t>(m.size());
  const bool is_u8 = out->dtype() == DType::kU8;
  const float lo = is_u8 ? 0.0f : -128.0f, hi = is_u8 ? 255.0f : 127.0f;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    const float a = static_cast<float>(static_cast<int32_t>(acc[i]));
    float q = kernels::RoundHalfToEven(a * m[c]) + static_cast<float>(zp);
    q = q < lo ? lo : (q > hi ? hi : q);
    if (is_u8) {
      out->data<uint8_t>()[i] = static_cast<uint8_t>(q);
    } else {
      out->data<int8_t>()[i] = static_cast<int8_t>(q);
    }
  }
  return absl::OkStatus();
}

class ConvIntegerKernel final : public graph::OpKernel {
 public:
  explicit ConvIntegerKernel(ConvAttrs a) : a_(std::move(a)) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    std::vector<int64_t> acc;
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunIntConv(ctx, a_, {0, 2, 1, 3}, &acc));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(ConvOutDims(s)), DType::kI32));
    for (size_t i = 0; i < acc.size(); ++i) {
      y.data<int32_t>()[i] = static_cast<int32_t>(acc[i]);
    }
    return absl::OkStatus();
  }

 private:
  ConvAttrs a_;
};

class QLinearConvKernel final : public graph::OpKernel {
 public:
  explicit QLinearConvKernel(ConvAttrs a) : a_(std::move(a)) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    std::vector<int64_t> acc;
    QS_ASSIGN_OR_RETURN(kernels::ConvShape s,
                        RunIntConv(ctx, a_, {0, 2, 3, 5}, &acc));
    const int64_t mch = s.out_channels;
    QS_ASSIGN_OR_RETURN(std::vector<float> xs,
                        ParamValues<float>(ctx, 1, 1, "x scale"));
    QS_ASSIGN_OR_RETURN(std::vector<float> ws,
                        ParamValues<float>(ctx, 4, mch, "w scale"));
    QS_ASSIGN_OR_RETURN(std::vector<float> ys,
                        ParamValues<float>(ctx, 6, 1, "y scale"));
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> yz,
                        ParamValues<int64_t>(ctx, 7, 1, "y zero point"));
    const int64_t pos = s.OutPositions();
    if (ctx.has_input(8)) {
      QS_ASSIGN_OR_RETURN(engine::Tensor b, ctx.input(8).Contiguous());
      if (b.dtype() != DType::kI32 || b.numel() != mch) {
        return ctx.Error(absl::StrCat("bias must be int32 [", mch, "]"));
      }
      for (size_t i = 0; i < acc.size(); ++i) {
        acc[i] += b.data<int32_t>()[(i / pos) % mch];
      }
    }
    std::vector<float> m(mch);
    for (int64_t c = 0; c < mch; ++c) m[c] = xs[0] * ws[c] / ys[0];
    const DType yt = ctx.has_input(7) ? ctx.input(7).dtype() : DType::kU8;
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(ConvOutDims(s)), yt));
    return Requantize(ctx, acc, m, pos, yz[0], &y);
  }

 private:
  ConvAttrs a_;
};

// acc = (a - az[row]) @ (b - bz[col]) with numpy broadcasting.
absl::StatusOr<MatMulGeometry> IntMatMul(graph::KernelContext& ctx, int ia,
                                         int iaz, int ib, int ibz,
                                         std::vector<int64_t>* acc) {
  QS_RETURN_IF_ERROR(CheckInt8(ctx, ia));
  QS_RETURN_IF_ERROR(CheckInt8(ctx, ib));
  QS_ASSIGN_OR_RETURN(engine::Tensor a, ctx.input(ia).Contiguous());
  QS_ASSIGN_OR_RETURN(engine::Tensor b, ctx.input(ib).Contiguous());
  absl::StatusOr<MatMulGeometry> g =
      ComputeMatMulGeometry(a.shape().dims(), b.shape().dims(), true);
  if (!g.ok()) return ctx.Error(std::string(g.status().message()));
  QS_ASSIGN_OR_RETURN(std::vector<int64_t> az,
                      ParamValues<int64_t>(ctx, iaz, g->m, "a zero point"));
  QS_ASSIGN_OR_RETURN(std::vector<int64_t> bz,
                      ParamValues<int64_t>(ctx, ibz, g->n, "b zero point"));
  const std::vector<int64_t> av = Widen(a), bv = Widen(b);
  const int64_t batches = static_cast<int64_t>(g->a_offset.size());
  const int64_t m = g->m, n = g->n, k = g->k;
  acc->assign(batches * m * n, 0);
  engine::ParallelFor(ctx.pool(), batches * m, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t bi = lo; bi < hi; ++bi) {
      const int64_t bt = bi / m, i = bi % m;
      const int64_t* ap = av.data() + g->a_offset[bt] + i * k;
      const int64_t* bp = bv.data() + g->b_offset[bt];
      int64_t* out = acc->data() + bi * n;
      for (int64_t l = 0; l < k; ++l) {
        const int64_t x = ap[l] - az[i];
        for (int64_t j = 0; j < n; ++j) out[j] += x * (bp[l * n + j] - bz[j]);
      }
    }
  });
  return *g;
}

class MatMulIntegerKernel final : public graph::OpKernel {
 public:
  explicit MatMulIntegerKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    std::vector<int64_t> acc;
    QS_ASSIGN_OR_RETURN(MatMulGeometry g, IntMatMul(ctx, 0, 2, 1, 3, &acc));
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, engine::Shape(g.y_dims), DType::kI32));
    for (size_t i = 0; i < acc.size(); ++i) {
      y.data<int32_t>()[i] = static_cast<int32_t>(acc[i]);
    }
    return absl::OkStatus();
  }
};

class QLinearMatMulKernel final : public graph::OpKernel {
 public:
  explicit QLinearMatMulKernel(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    std::vector<int64_t> acc;
    QS_ASSIGN_OR_RETURN(MatMulGeometry g, IntMatMul(ctx, 0, 2, 3, 5, &acc));
    QS_ASSIGN_OR_RETURN(std::vector<float> as,
                        ParamValues<float>(ctx, 1, 1, "a scale"));
    QS_ASSIGN_OR_RETURN(std::vector<float> bs,
                        ParamValues<float>(ctx, 4, g.n, "b scale"));
    QS_ASSIGN_OR_RETURN(std::vector<float> ys,
                        ParamValues<float>(ctx, 6, 1, "y scale"));
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> yz,
                        ParamValues<int64_t>(ctx, 7, 1, "y zero point"));
    std::vector<float> m(g.n);
    for (int64_t j = 0; j < g.n; ++j) m[j] = as[0] * bs[j] / ys[0];
    const DType yt = ctx.input(7).dtype();
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(g.y_dims), yt));
    return Requantize(ctx, acc, m, 1, yz[0], &y);
  }
};

absl::Status InferIntConv(graph::InferContext& c, int ix, int iw, DType out) {
  QS_ASSIGN_OR_RETURN(ConvAttrs a,
                      ParseConvAttrs(c.attrs(), c.node().Describe(), false));
  if (!c.input(ix).has_rank || !c.input(iw).has_rank) {
    c.set_output(0, graph::ValueType{out, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<ConvGeometry> geo =
      ComputeConvGeometry(a, c.input(ix).dims, c.input(iw).dims);
  if (!geo.ok()) return c.Error(std::string(geo.status().message()));
  c.set_output(0, TypeWithDims(out, geo->y_dims));
  return absl::OkStatus();
}

absl::Status InferIntMatMul(graph::InferContext& c, int ia, int ib, DType out) {
  if (!c.input(ia).has_rank || !c.input(ib).has_rank) {
    c.set_output(0, graph::ValueType{out, {}, false});
    return absl::OkStatus();
  }
  absl::StatusOr<MatMulGeometry> g =
      ComputeMatMulGeometry(c.input(ia).dims, c.input(ib).dims, false);
  if (!g.ok()) return c.Error(std::string(g.status().message()));
  c.set_output(0, TypeWithDims(out, g->y_dims));
  return absl::OkStatus();
}

graph::OpDef IntOp(const std::string& type, int min_in, int max_in) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = min_in;
  d.max_inputs = max_in;
  d.differentiable = false;
  d.onnx = {type, "", 10};
  return d;
}

}  // namespace

graph::OpDef MakeConvIntegerOp() {
  graph::OpDef d = IntOp("ConvInteger", 2, 4);
  d.attrs = ConvAttrSpecs(false);
  d.infer = [](graph::InferContext& c) {
    return InferIntConv(c, 0, 1, DType::kI32);
  };
  d.make_cpu_kernel = MakeConvKernel<ConvIntegerKernel, false>;
  return d;
}

graph::OpDef MakeQLinearConvOp() {
  graph::OpDef d = IntOp("QLinearConv", 8, 9);
  d.attrs = ConvAttrSpecs(false);
  d.infer = [](graph::InferContext& c) {
    return InferIntConv(c, 0, 3, c.input(7).dtype);
  };
  d.make_cpu_kernel = MakeConvKernel<QLinearConvKernel, false>;
  return d;
}

graph::OpDef MakeMatMulIntegerOp() {
  graph::OpDef d = IntOp("MatMulInteger", 2, 4);
  d.infer = [](graph::InferContext& c) {
    return InferIntMatMul(c, 0, 1, DType::kI32);
  };
  d.make_cpu_kernel = MakeKernel<MatMulIntegerKernel>;
  return d;
}

graph::OpDef MakeQLinearMatMulOp() {
  graph::OpDef d = IntOp("QLinearMatMul", 8, 8);
  d.infer = [](graph::InferContext& c) {
    return InferIntMatMul(c, 0, 3, c.input(7).dtype);
  };
  d.make_cpu_kernel = MakeKernel<QLinearMatMulKernel>;
  return d;
}

}  // namespace quantsim::ops
