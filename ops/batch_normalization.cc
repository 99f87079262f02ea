// BatchNormalization (ONNX opset 15):
//   inputs:  X [N, C, D...] (rank >= 2), scale, B, input_mean, input_var [C]
//   outputs: Y [, running_mean, running_var]
//   attrs:   epsilon (1e-5), momentum (0.9), training_mode (0), and the
//            quantsim extension unbiased_running_var (0: ONNX, the batch
//            variance is the biased one; 1: PyTorch, M / (M - 1) var).
// Statistics: batch statistics when training_mode = 1 OR the run is a
// training run (RunOptions::training, PyTorch's module.train()); otherwise
// the given input_mean / input_var (kernels/cpu/norm).
// Running statistics, ONNX momentum convention (PyTorch momentum m is ONNX
// 1 - m):  running = momentum * input + (1 - momentum) * batch.
//  - In a TRAINING RUN they are written IN PLACE into the tensors feeding
//    input_mean / input_var: these are graph parameters (non-trainable), the
//    executor hands their storage to the kernel, so the update is seen by
//    every later run and every graph sharing the parameter (the forward and
//    backward graphs do). A training run is single-writer: the read-modify-
//    write of one node is serialised by a per-kernel mutex, but two
//    different compiled graphs training the same parameters at once race
//    (do not do that). Inference runs never write their inputs, so they stay
//    thread-safe. The optional outputs hold copies of the updated values.
//  - With training_mode = 1 in an inference run the updated statistics only
//    go to the optional outputs (ONNX: a pure function).
// ONNX allows the extra outputs only with training_mode = 1 (checked).
// Backward: BatchNormalizationGrad (internal), (dy, X, scale, input_mean,
// input_var) -> (dX, dscale, dB, dinput_mean, dinput_var), deciding batch vs
// given statistics exactly as the forward (same attrs, same run flag).
// Batch mode recomputes the batch mean / inv_std from X rather than saving
// them as hidden forward outputs: the same kernel in double gives the
// forward's values bit for bit, every BatchNormalization node is
// differentiable as imported (ONNX opset 15 has no saved-statistics
// outputs, and a GradBuilder cannot add outputs to the forward node), at
// the cost of one extra pass over X in the backward. The running statistics
// get no gradient (buffers, as in PyTorch); in batch mode dinput_* = 0.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/status.h"
#include "kernels/cpu/norm/norm.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

struct BnAttrs {
  float eps = 1e-5f;
  float momentum = 0.9f;
  bool training_mode = false;
  bool unbiased = false;
};

absl::StatusOr<BnAttrs> ParseBn(const graph::Node& node) {
  const std::string where = node.Describe();
  BnAttrs a;
  QS_ASSIGN_OR_RETURN(a.eps, node.attrs.GetFloatOr("epsilon", 1e-5f, where));
  QS_ASSIGN_OR_RETURN(a.momentum,
                      node.attrs.GetFloatOr("momentum", 0.9f, where));
  QS_ASSIGN_OR_RETURN(int64_t tm,
                      node.attrs.GetIntOr("training_mode", 0, where));
  QS_ASSIGN_OR_RETURN(int64_t ub,
                      node.attrs.GetIntOr("unbiased_running_var", 0, where));
  a.training_mode = tm != 0;
  a.unbiased = ub != 0;
  absl::Status s = kernels::CheckBatchNormArgs({1, 1, 1}, a.eps, a.momentum);
  if (!s.ok())
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
  return a;
}

// X as [N, C, S]; inputs [first_param, num_inputs) hold [C] parameters
// (contiguous, f32).
absl::StatusOr<kernels::BatchNormShape> CheckShapes(graph::KernelContext& ctx,
                                                    const engine::Tensor& x,
                                                    int first_param) {
  if (x.rank() < 2) {
    return ctx.Error(absl::StrCat("X ", x.shape().ToString(),
                                  " must have rank >= 2 [N, C, ...]"));
  }
  kernels::BatchNormShape s{x.dim(0), x.dim(1), x.shape().Product(2, x.rank())};
  for (int i = first_param; i < ctx.num_inputs(); ++i) {
    const engine::Tensor& p = ctx.input(i);
    if (p.numel() != s.C || p.dtype() != engine::DType::kF32 ||
        !p.IsContiguous()) {
      return ctx.Error(
          absl::StrCat("input ", i, " ", p.DebugString(), " must be ", s.C,
                       " contiguous f32 values (one per channel)"));
    }
  }
  if (s.N < 1 || s.C < 1 || s.S < 1) return ctx.Error("empty X");
  return s;
}

class BatchNormKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<BatchNormKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<BatchNormKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseBn(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::BatchNormShape s, CheckShapes(ctx, x, 1));
    const float* scale = ctx.input(1).data<float>();
    const float* bias = ctx.input(2).data<float>();
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    if (!a_.training_mode && !ctx.training()) {
      kernels::BatchNormInference(
          x.data<float>(), s, scale, bias, ctx.input(3).data<float>(),
          ctx.input(4).data<float>(), a_.eps, y.data<float>(), ctx.pool());
      return absl::OkStatus();
    }
    std::vector<float> saved_mean(s.C), saved_inv_std(s.C);
    const bool want_running = ctx.num_outputs() > 1;
    engine::Tensor rm, rv;
    if (want_running) {
      const engine::Shape cs = ctx.input(3).shape();
      QS_ASSIGN_OR_RETURN(rm, ctx.AllocateOutput(1, cs));
      QS_ASSIGN_OR_RETURN(rv, ctx.AllocateOutput(2, ctx.input(4).shape()));
    }
    if (ctx.training()) {
      // In place into the parameters (see the file comment).
      float* run_mean = ctx.input(3).data<float>();
      float* run_var = ctx.input(4).data<float>();
      {
        absl::MutexLock lock(&mu_);
        kernels::BatchNormTrainingForward(
            x.data<float>(), s, scale, bias, a_.eps, a_.momentum, a_.unbiased,
            y.data<float>(), saved_mean.data(), saved_inv_std.data(), run_mean,
            run_var, ctx.pool());
        if (want_running) {
          std::copy(run_mean, run_mean + s.C, rm.data<float>());
          std::copy(run_var, run_var + s.C, rv.data<float>());
        }
      }
      return absl::OkStatus();
    }
    // training_mode = 1 in an inference run: new statistics to the outputs.
    if (want_running) {
      const float* m = ctx.input(3).data<float>();
      const float* v = ctx.input(4).data<float>();
      std::copy(m, m + s.C, rm.data<float>());
      std::copy(v, v + s.C, rv.data<float>());
    }
    kernels::BatchNormTrainingForward(
        x.data<float>(), s, scale, bias, a_.eps, a_.momentum, a_.unbiased,
        y.data<float>(), saved_mean.data(), saved_inv_std.data(),
        want_running ? rm.data<float>() : nullptr,
        want_running ? rv.data<float>() : nullptr, ctx.pool());
    return absl::OkStatus();
  }

 private:
  BnAttrs a_;
  mutable absl::Mutex mu_;  // serialises in-place running-stat updates
};

// BatchNormalizationGrad (internal), see the file comment.
class BatchNormGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<BatchNormGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<BatchNormGradKernel>();
    QS_ASSIGN_OR_RETURN(k->a_, ParseBn(node));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(kernels::BatchNormShape s, CheckShapes(ctx, x, 2));
    if (dy.shape() != x.shape()) return ctx.Error("dy and X differ in shape");
    const float* scale = ctx.input(2).data<float>();
    const float* mean = ctx.input(3).data<float>();
    const float* var = ctx.input(4).data<float>();
    const engine::Shape cs({s.C});
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    QS_ASSIGN_OR_RETURN(engine::Tensor ds, ctx.AllocateOutput(1, cs));
    QS_ASSIGN_OR_RETURN(engine::Tensor db, ctx.AllocateOutput(2, cs));
    QS_ASSIGN_OR_RETURN(engine::Tensor dm, ctx.AllocateOutput(3, cs));
    QS_ASSIGN_OR_RETURN(engine::Tensor dv, ctx.AllocateOutput(4, cs));
    float* dmean = dm.data<float>();
    float* dvar = dv.data<float>();
    std::vector<float> saved_mean(s.C), saved_inv_std(s.C);
    if (a_.training_mode || ctx.training()) {
      // Recompute the forward's batch statistics (bit-identical).
      std::vector<float> scratch(x.numel());
      kernels::BatchNormTrainingForward(
          x.data<float>(), s, scale, nullptr, a_.eps, a_.momentum, false,
          scratch.data(), saved_mean.data(), saved_inv_std.data(), nullptr,
          nullptr, ctx.pool());
      kernels::BatchNormBackward(x.data<float>(), dy.data<float>(), s, scale,
                                 saved_mean.data(), saved_inv_std.data(),
                                 dx.data<float>(), ds.data<float>(),
                                 db.data<float>(), ctx.pool());
      std::fill(dmean, dmean + s.C, 0.0f);
      std::fill(dvar, dvar + s.C, 0.0f);
      return absl::OkStatus();
    }
    // Given statistics: y = x a + b, a = scale / sqrt(var + eps).
    // dx = dy a (the inference kernel on dy with zero mean and bias);
    // dscale = sum dy xhat, dB = sum dy (the backward kernel's parameter
    // sums with mean / inv_std = the given statistics; its dx is discarded);
    // dmean = -a dB, dvar = -scale dscale / (2 (var + eps)).
    std::vector<float> zeros(s.C, 0.0f);
    kernels::BatchNormInference(dy.data<float>(), s, scale, zeros.data(),
                                zeros.data(), var, a_.eps, dx.data<float>(),
                                ctx.pool());
    for (int64_t c = 0; c < s.C; ++c) {
      saved_inv_std[c] =
          static_cast<float>(1.0 / std::sqrt(double{var[c]} + a_.eps));
    }
    std::vector<float> scratch(x.numel());
    kernels::BatchNormBackward(x.data<float>(), dy.data<float>(), s, scale,
                               mean, saved_inv_std.data(), scratch.data(),
                               ds.data<float>(), db.data<float>(), ctx.pool());
    for (int64_t c = 0; c < s.C; ++c) {
      const double ve = double{var[c]} + a_.eps;
      dmean[c] = static_cast<float>(-double{scale[c]} / std::sqrt(ve) *
                                    db.data<float>()[c]);
      dvar[c] = static_cast<float>(-0.5 * scale[c] * ds.data<float>()[c] / ve);
    }
    return absl::OkStatus();
  }

 private:
  BnAttrs a_;
};

absl::Status Infer(graph::InferContext& c) {
  for (int i = 0; i < 5; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
  QS_ASSIGN_OR_RETURN(BnAttrs a, ParseBn(c.node()));
  const graph::ValueType& x = c.input(0);
  if (x.has_rank && x.dims.size() < 2) {
    return c.Error(absl::StrCat("X ", x.ToString(), " must have rank >= 2"));
  }
  const int64_t C = x.has_rank ? x.dims[1] : -1;
  for (int i = 1; i < 5; ++i) {
    const graph::ValueType& p = c.input(i);
    if (C >= 0 && p.IsStatic()) {
      int64_t n = 1;
      for (int64_t d : p.dims) n *= d;
      if (n != C) {
        return c.Error(absl::StrCat("input ", i, " ", p.ToString(), " needs ",
                                    C, " values (one per channel)"));
      }
    }
  }
  if (c.num_outputs() > 1 && !a.training_mode) {
    return c.Error("running_mean / running_var outputs need training_mode=1");
  }
  c.set_output(0, x);
  if (c.num_outputs() > 1) {
    c.set_output(1, c.input(3));
    c.set_output(2, c.input(4));
  }
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (b.output_grad(0) == graph::kNoValue) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("BatchNormalizationGrad",
             {b.output_grad(0), b.input(0), b.input(1), b.input(3), b.input(4)},
             b.node().attrs, 5));
  b.SetInputGrad(0, g[0]);
  b.SetInputGrad(1, g[1]);
  b.SetInputGrad(2, g[2]);
  b.SetInputGrad(3, g[3]);
  b.SetInputGrad(4, g[4]);
  return absl::OkStatus();
}

std::vector<graph::AttrSpec> BnAttrSpecs() {
  return {{"epsilon", graph::AttrType::kFloat},
          {"momentum", graph::AttrType::kFloat},
          {"training_mode", graph::AttrType::kInt},
          {"unbiased_running_var", graph::AttrType::kInt}};
}

}  // namespace

graph::OpDef MakeBatchNormalizationOp() {
  graph::OpDef d;
  d.type = "BatchNormalization";
  d.min_inputs = d.max_inputs = 5;
  d.min_outputs = 1;
  d.max_outputs = 3;
  d.attrs = BnAttrSpecs();
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<BatchNormKernel>;
  d.backward = Backward;
  d.onnx = {"BatchNormalization", "", 15};
  return d;
}

graph::OpDef MakeBatchNormalizationGradOp() {
  graph::OpDef d;
  d.type = "BatchNormalizationGrad";
  d.min_inputs = d.max_inputs = 5;
  d.min_outputs = d.max_outputs = 5;
  d.attrs = BnAttrSpecs();
  d.infer = [](graph::InferContext& c) {
    c.set_output(0, c.input(1));
    c.set_output(1, c.input(2));  // dscale
    c.set_output(2, c.input(2));  // dB, [C] like scale
    c.set_output(3, c.input(3));
    c.set_output(4, c.input(4));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<BatchNormGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
