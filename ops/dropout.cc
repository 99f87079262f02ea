// Dropout(data, ratio?, training_mode?) -> (output, mask?) (opset 12+; the
// older 'ratio' attribute is accepted when the input is absent), f32 data.
//  Active when the training_mode input says so, else when the run is a
//  training run (RunOptions::training). Inactive: output = data (a view),
//  mask all true. Active: mask[i] = u_i >= ratio, output = mask ? x / (1 -
//  ratio) : 0, with u_i = kernels::StochasticUniform(stream, i).
// Determinism: stream = SplitMix64(seed + n * golden) where `seed` is the
//  node's 'seed' attribute (default: a hash of the node name) and n counts
//  the active runs of this compiled node (0, 1, 2, ...). A sequential
//  training loop therefore draws the same masks every time it is replayed,
//  on any thread count; concurrent active runs of one compiled graph get
//  distinct streams, assigned in arrival order.
// Backward: DropoutGrad(g, mask, ratio?, training_mode?) (internal):
//  dx = active ? (mask ? g / (1 - ratio) : 0) : g. It needs the mask, so a
//  Dropout node on a gradient path must be built with both outputs.
#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t NameHash(const std::string& s) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Ratio and activity of one run; inputs `ri` (ratio) and `ri + 1`
// (training_mode) are optional.
struct DropoutRun {
  bool active = false;
  float ratio = 0.5f;
};

absl::StatusOr<DropoutRun> ReadRun(const graph::KernelContext& ctx, int ri,
                                   float attr_ratio) {
  DropoutRun r;
  r.ratio = attr_ratio;
  if (ctx.has_input(ri)) {
    const engine::Tensor& t = ctx.input(ri);
    if (t.dtype() != engine::DType::kF32 || t.numel() != 1) {
      return ctx.Error("ratio must be an f32 scalar");
    }
    r.ratio = t.data<float>()[0];
  }
  if (!(r.ratio >= 0.0f && r.ratio < 1.0f)) {
    return ctx.Error(absl::StrCat("ratio ", r.ratio, " is not in [0, 1)"));
  }
  r.active = ctx.training();
  if (ctx.has_input(ri + 1)) {
    const engine::Tensor& t = ctx.input(ri + 1);
    if (t.dtype() != engine::DType::kBool || t.numel() != 1) {
      return ctx.Error("training_mode must be a bool scalar");
    }
    r.active = t.data<bool>()[0];
  }
  return r;
}

class DropoutKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DropoutKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<DropoutKernel>();
    QS_ASSIGN_OR_RETURN(k->ratio_,
                        node.attrs.GetFloatOr("ratio", 0.5f, node.Describe()));
    const int64_t dflt = static_cast<int64_t>(NameHash(node.name));
    QS_ASSIGN_OR_RETURN(int64_t seed,
                        node.attrs.GetIntOr("seed", dflt, node.Describe()));
    k->seed_ = static_cast<uint64_t>(seed);
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& x = ctx.input(0);
    QS_RETURN_IF_ERROR(x.CheckDType(engine::DType::kF32, "Dropout data"));
    QS_ASSIGN_OR_RETURN(DropoutRun run, ReadRun(ctx, 1, ratio_));
    const bool want_mask = ctx.num_outputs() > 1;
    if (!run.active || run.ratio == 0.0f) {
      ctx.SetOutput(0, x);
      if (want_mask) {
        QS_ASSIGN_OR_RETURN(
            engine::Tensor m,
            ctx.AllocateOutput(1, x.shape(), engine::DType::kBool));
        std::fill(m.data<bool>(), m.data<bool>() + m.numel(), true);
      }
      return absl::OkStatus();
    }
    const uint64_t stream =
        SplitMix64(seed_ + step_.fetch_add(1) * 0x9e3779b97f4a7c15ULL);
    QS_ASSIGN_OR_RETURN(engine::Tensor xc, x.Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    bool* m = nullptr;
    if (want_mask) {
      QS_ASSIGN_OR_RETURN(
          engine::Tensor mt,
          ctx.AllocateOutput(1, x.shape(), engine::DType::kBool));
      m = mt.data<bool>();
    }
    const float* in = xc.data<float>();
    float* out = y.data<float>();
    const float ratio = run.ratio;
    const float scale = 1.0f / (1.0f - ratio);
    engine::ParallelFor(
        ctx.pool(), x.numel(), 1 << 14, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            const bool keep = kernels::StochasticUniform(stream, i) >= ratio;
            out[i] = keep ? in[i] * scale : 0.0f;
            if (m != nullptr) m[i] = keep;
          }
        });
    return absl::OkStatus();
  }

 private:
  float ratio_ = 0.5f;
  uint64_t seed_ = 0;
  mutable std::atomic<uint64_t> step_{0};
};

class DropoutGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DropoutGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<DropoutGradKernel>();
    QS_ASSIGN_OR_RETURN(k->ratio_,
                        node.attrs.GetFloatOr("ratio", 0.5f, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    const engine::Tensor& g = ctx.input(0);
    const engine::Tensor& mask = ctx.input(1);
    QS_RETURN_IF_ERROR(g.CheckDType(engine::DType::kF32, "DropoutGrad g"));
    QS_RETURN_IF_ERROR(mask.CheckDType(engine::DType::kBool, "Dropout mask"));
    QS_ASSIGN_OR_RETURN(DropoutRun run, ReadRun(ctx, 2, ratio_));
    if (!run.active || run.ratio == 0.0f) {
      ctx.SetOutput(0, g);
      return absl::OkStatus();
    }
    if (mask.shape() != g.shape()) return ctx.Error("mask shape mismatch");
    QS_ASSIGN_OR_RETURN(engine::Tensor gc, g.Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor mc, mask.Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, g.shape()));
    const float scale = 1.0f / (1.0f - run.ratio);
    for (int64_t i = 0; i < g.numel(); ++i) {
      dx.data<float>()[i] =
          mc.data<bool>()[i] ? gc.data<float>()[i] * scale : 0.0f;
    }
    return absl::OkStatus();
  }

 private:
  float ratio_ = 0.5f;
};

absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  if (c.has_input(1) && c.input(1).dtype != engine::DType::kF32) {
    return c.Error("ratio must be f32, is " + c.input(1).ToString());
  }
  if (c.has_input(2) && c.input(2).dtype != engine::DType::kBool) {
    return c.Error("training_mode must be bool, is " + c.input(2).ToString());
  }
  c.set_output(0, c.input(0));
  if (c.num_outputs() > 1) {
    graph::ValueType m = c.input(0);
    m.dtype = engine::DType::kBool;
    c.set_output(1, m);
  }
  return absl::OkStatus();
}

absl::Status InferGrad(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (b.node().outputs.size() < 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        b.node().Describe(),
        ": the gradient needs the mask; build the node with 2 outputs"));
  }
  const auto& in = b.node().inputs;
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      b.Emit1("DropoutGrad",
                              {b.output_grad(0), b.output(1),
                               in.size() > 1 ? in[1] : graph::kNoValue,
                               in.size() > 2 ? in[2] : graph::kNoValue},
                              b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeDropoutOp() {
  graph::OpDef d;
  d.type = "Dropout";
  d.min_inputs = 1;
  d.max_inputs = 3;
  d.max_outputs = 2;
  d.attrs = {{"ratio", graph::AttrType::kFloat},
             {"seed", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<DropoutKernel>;
  d.backward = Backward;
  d.onnx = {"Dropout", "", 1};
  return d;
}

graph::OpDef MakeDropoutGradOp() {
  graph::OpDef d;
  d.type = "DropoutGrad";
  d.min_inputs = 2;
  d.max_inputs = 4;
  d.attrs = {{"ratio", graph::AttrType::kFloat},
             {"seed", graph::AttrType::kInt}};
  d.infer = InferGrad;
  d.make_cpu_kernel = MakeKernel<DropoutGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
