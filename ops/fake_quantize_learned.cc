// FakeQuantizeLearned (quantsim, internal): QDQ with learnable encodings
// (range learning, spec §3.3 AIMET v1 LearnedGrid and §3.4 v2
// QuantDequantFunc), on the kernels of kernels/cpu/fake_quant_grad
// (formulas in range_learning_math.h).
//   inputs:  x, enc_min, enc_max (f32; enc_* hold 1 value per tensor, or one
//            per channel along `axis`; rank <= 1)
//   outputs: y = x_hat, the forward of the very element rule the backward
//            differentiates (RangeLearnBackwardSums' x_hat path), so forward
//            and backward agree bit for bit
//   attrs:   bitwidth (int, 2..32, required), symmetric (int 0/1, default 0),
//            strict (int 0/1, v1 symmetric only, default 0), formula
//            ("aimet_v1" | "v2", default "v2"), rounding
//            ("half_away_from_zero" | "half_to_even", default: the formula's,
//            v1 half away from zero, v2 half to even), axis (int, absent =
//            per tensor)
// Backward: one fused internal op FakeQuantizeLearnedGrad(x, dy, enc_min,
// enc_max) -> (dx, dmin, dmax) calling kernels::RangeLearnBackward, so the
// encodings are trainable parameters. v1's in-place gating of the parameters
// (GateLearnedGridRange: min <= 0, max >= 0, max >= min + 1e-5) is the
// trainer's job before each forward; this op only validates min < max finite
// (and max > 0 for v1 symmetric).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

using kernels::RangeGradConfig;
using kernels::RangeGradFormula;
using kernels::RoundingMode;

// Parsed attributes shared by the forward and the grad op.
struct LearnedAttrs {
  RangeGradConfig config;
  bool per_channel = false;
  int64_t axis = 0;
};

absl::StatusOr<LearnedAttrs> ParseAttrs(const graph::Node& node) {
  const std::string where = node.Describe();
  LearnedAttrs a;
  QS_ASSIGN_OR_RETURN(int64_t bw, node.attrs.GetInt("bitwidth", where));
  if (bw < 2 || bw > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": bitwidth ", bw, " is outside 2..32"));
  }
  QS_ASSIGN_OR_RETURN(int64_t sym, node.attrs.GetIntOr("symmetric", 0, where));
  QS_ASSIGN_OR_RETURN(int64_t strict, node.attrs.GetIntOr("strict", 0, where));
  if ((sym != 0 && sym != 1) || (strict != 0 && strict != 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": symmetric and strict must be 0 or 1"));
  }
  QS_ASSIGN_OR_RETURN(std::string formula,
                      node.attrs.GetStringOr("formula", "v2", where));
  if (formula == "aimet_v1") {
    a.config = kernels::AimetV1RangeGradConfig(static_cast<int>(bw), sym != 0,
                                               strict != 0);
  } else if (formula == "v2") {
    a.config = kernels::V2RangeGradConfig(static_cast<int>(bw), sym != 0);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": formula '", formula, "' (aimet_v1 | v2)"));
  }
  if (strict != 0) {
    if (formula != "aimet_v1" || sym == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": strict needs formula aimet_v1 with symmetric = 1"));
    }
    a.config.strict_symmetric = true;
  }
  if (node.attrs.Has("rounding")) {
    QS_ASSIGN_OR_RETURN(std::string r, node.attrs.GetString("rounding", where));
    if (r == "half_to_even") {
      a.config.rounding = RoundingMode::kHalfToEven;
    } else if (r == "half_away_from_zero") {
      a.config.rounding = RoundingMode::kHalfAwayFromZero;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": rounding '", r, "' (half_to_even | half_away_from_zero)"));
    }
  }
  a.per_channel = node.attrs.Has("axis");
  QS_ASSIGN_OR_RETURN(a.axis, node.attrs.GetIntOr("axis", 0, where));
  return a;
}

// Layout of x and validated encodings; errors name the node through ctx.
absl::StatusOr<kernels::QdqLayout> CheckInputs(graph::KernelContext& ctx,
                                               const LearnedAttrs& a,
                                               const engine::Tensor& x,
                                               const engine::Tensor& mn,
                                               const engine::Tensor& mx) {
  kernels::QdqLayout layout = kernels::PerTensorLayout(x.numel());
  if (a.per_channel) {
    absl::StatusOr<int> axis =
        x.shape().NormalizeAxis(static_cast<int>(a.axis));
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    layout.outer = x.shape().Product(0, *axis);
    layout.axis = x.dim(*axis);
    layout.inner = x.shape().Product(*axis + 1, x.rank());
  }
  const int64_t channels = layout.axis;
  for (const engine::Tensor* t : {&mn, &mx}) {
    if (t->dtype() != engine::DType::kF32 || t->rank() > 1 ||
        t->numel() != channels) {
      return ctx.Error(absl::StrCat(
          t == &mn ? "enc_min" : "enc_max", " is ", t->shape().ToString(),
          ", needs f32 [", channels, "] for x ", x.shape().ToString()));
    }
  }
  const float* pmin = mn.data<float>();
  const float* pmax = mx.data<float>();
  const bool v1_sym =
      a.config.formula == RangeGradFormula::kAimetV1 && a.config.symmetric;
  for (int64_t c = 0; c < channels; ++c) {
    if (!std::isfinite(pmin[c]) || !std::isfinite(pmax[c]) ||
        !(pmin[c] < pmax[c])) {
      return ctx.Error(absl::StrCat("channel ", c,
                                    ": needs finite enc_min < enc_max, got ",
                                    pmin[c], ", ", pmax[c]));
    }
    if (v1_sym && !(pmax[c] > 0.0f)) {
      return ctx.Error(absl::StrCat("channel ", c,
                                    ": aimet_v1 symmetric needs enc_max > 0, "
                                    "got ",
                                    pmax[c]));
    }
    const float s =
        kernels::MakeRangeGradGrid(pmin[c], pmax[c], a.config).scale;
    if (!std::isfinite(s) || !(s > 0.0f)) {
      return ctx.Error(absl::StrCat("channel ", c, ": scale ", s, " from [",
                                    pmin[c], ", ", pmax[c],
                                    "] is not a positive finite float"));
    }
  }
  return layout;
}

class LearnedKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<LearnedKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<LearnedKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor mn, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor mx, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::QdqLayout layout,
                        CheckInputs(ctx, a_, x, mn, mx));
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    const int64_t channels = layout.axis;
    std::vector<kernels::RangeGradGrid> grids(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      grids[c] = kernels::MakeRangeGradGrid(mn.data<float>()[c],
                                            mx.data<float>()[c], a_.config);
    }
    // The backward's element rule with only x_hat kept: dy = x is read for
    // the (discarded) sums only; dx is not written.
    std::vector<kernels::RangeGradSums> sums(static_cast<size_t>(channels));
    kernels::RangeLearnBackwardSums(
        x.data<float>(), x.data<float>(), layout, grids.data(),
        a_.config.rounding == RoundingMode::kHalfToEven, nullptr,
        y.data<float>(), sums.data(), ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }

 private:
  LearnedAttrs a_;
};

// FakeQuantizeLearnedGrad (internal): (x, dy, enc_min, enc_max) ->
// (dx, dmin, dmax), same attributes as the forward node.
class LearnedGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<LearnedGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<LearnedGradKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseAttrs(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor mn, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor mx, ctx.input(3).Contiguous());
    if (dy.shape() != x.shape() || dy.dtype() != engine::DType::kF32) {
      return ctx.Error(absl::StrCat("dy ", dy.shape().ToString(),
                                    " differs from x ", x.shape().ToString()));
    }
    QS_ASSIGN_OR_RETURN(kernels::QdqLayout layout,
                        CheckInputs(ctx, a_, x, mn, mx));
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor dmin, ctx.AllocateOutput(1, mn.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor dmax, ctx.AllocateOutput(2, mx.shape()));
    kernels::RangeLearnBackward(
        x.data<float>(), dy.data<float>(), layout, mn.data<float>(),
        mx.data<float>(), a_.config, dx.data<float>(), dmin.data<float>(),
        dmax.data<float>(), nullptr, ctx.pool(), ctx.isa());
    return absl::OkStatus();
  }

 private:
  LearnedAttrs a_;
};

absl::Status Infer(graph::InferContext& c) {
  for (int i = 0; i < 3; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status InferGrad(graph::InferContext& c) {
  for (int i = 0; i < 4; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
  c.set_output(0, c.input(0));
  c.set_output(1, c.input(2));
  c.set_output(2, c.input(3));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  const graph::ValueId dy = b.output_grad(0);
  if (dy == graph::kNoValue) return absl::OkStatus();
  if (!b.needs_input_grad(0) && !b.needs_input_grad(1) &&
      !b.needs_input_grad(2)) {
    return absl::OkStatus();
  }
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("FakeQuantizeLearnedGrad",
             {b.input(0), dy, b.input(1), b.input(2)}, b.node().attrs, 3));
  for (int i = 0; i < 3; ++i) {
    if (b.needs_input_grad(i)) b.SetInputGrad(i, g[i]);
  }
  return absl::OkStatus();
}

const std::vector<graph::AttrSpec>& LearnedAttrSpecs() {
  static const auto* specs = new std::vector<graph::AttrSpec>{
      {"bitwidth", graph::AttrType::kInt, true},
      {"symmetric", graph::AttrType::kInt},
      {"strict", graph::AttrType::kInt},
      {"formula", graph::AttrType::kString},
      {"rounding", graph::AttrType::kString},
      {"axis", graph::AttrType::kInt}};
  return *specs;
}

}  // namespace

graph::OpDef MakeFakeQuantizeLearnedOp() {
  graph::OpDef d;
  d.type = "FakeQuantizeLearned";
  d.min_inputs = d.max_inputs = 3;
  d.attrs = LearnedAttrSpecs();
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<LearnedKernel>;
  d.backward = Backward;
  d.onnx = {"", "", 0};  // internal (QAT); export/ writes QDQ
  return d;
}

graph::OpDef MakeFakeQuantizeLearnedGradOp() {
  graph::OpDef d;
  d.type = "FakeQuantizeLearnedGrad";
  d.min_inputs = d.max_inputs = 4;
  d.min_outputs = d.max_outputs = 3;
  d.attrs = LearnedAttrSpecs();
  d.infer = InferGrad;
  d.make_cpu_kernel = MakeKernel<LearnedGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
