// GroupNormalization (ONNX opset 21 semantics):
//   inputs:  X [N, C, D...] (rank >= 2), scale [C], bias [C]
//   outputs: Y
//   attrs:   num_groups (required, divides C), epsilon (1e-5), stash_type
// Channels split into num_groups groups of C / G; each (n, group) is
// normalized over its C / G * prod(D) values, then Y = xhat * scale_c +
// bias_c PER CHANNEL (opset 21). Opset 18's per-group scale / bias ([G])
// is not accepted (a [G] scale is an error unless G == C).
// InstanceNormalization (ONNX opset 6):
//   inputs:  input [N, C, D...] (rank >= 3), scale [C], B [C]
//   outputs: output;  attrs: epsilon (1e-5)
// Each (n, c) plane normalized over its spatial values, then * scale_c +
// B_c: GroupNorm with G = C. Both ops share the code below (kInstance).
// Kernels: kernels/cpu/norm RowNorm with GroupNormShape.
// Backward: RowNormGrad (kind "group" / "instance") for X, scale and bias.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/norm/norm.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

// kInstance: InstanceNormalization (G = C, rank >= 3), else GroupNorm.
template <bool kInstance>
class GroupNormKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<GroupNormKernel>> Create(
      const graph::Node& node) {
    const std::string where = node.Describe();
    auto k = std::make_unique<GroupNormKernel>();
    if (!kInstance) {
      QS_ASSIGN_OR_RETURN(k->groups_, node.attrs.GetInt("num_groups", where));
    }
    QS_ASSIGN_OR_RETURN(k->eps_,
                        node.attrs.GetFloatOr("epsilon", 1e-5f, where));
    if (k->groups_ < 1 || !(k->eps_ > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, kInstance ? ": epsilon must be > 0"
                           : ": num_groups must be >= 1, epsilon > 0"));
    }
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor scale, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor bias, ctx.input(2).Contiguous());
    if (x.rank() < (kInstance ? 3 : 2)) {
      return ctx.Error(kInstance ? "input must have rank >= 3 [N, C, D...]"
                                 : "X must have rank >= 2 [N, C, ...]");
    }
    const int64_t N = x.dim(0), C = x.dim(1);
    const int64_t S = x.shape().Product(2, x.rank());
    const int64_t groups = kInstance ? C : groups_;
    absl::Status check = kernels::CheckGroupNormArgs(N, C, S, groups, eps_);
    if (!check.ok()) return ctx.Error(std::string(check.message()));
    if (scale.numel() != C || bias.numel() != C) {
      return ctx.Error(
          kInstance ? absl::StrCat("scale / B need ", C, " values")
                    : absl::StrCat("scale / bias need ", C,
                                   " values (one per channel, opset 21)"));
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    kernels::RowNormForward(x.data<float>(),
                            kernels::GroupNormShape(N, C, S, groups),
                            scale.data<float>(), bias.data<float>(), eps_,
                            y.data<float>(), nullptr, nullptr, ctx.pool());
    return absl::OkStatus();
  }

 private:
  int64_t groups_ = 1;
  float eps_ = 1e-5f;
};

template <bool kInstance>
absl::Status Infer(graph::InferContext& c) {
  for (int i = 0; i < 3; ++i) QS_RETURN_IF_ERROR(RequireF32(c, i));
  const std::string where = c.node().Describe();
  int64_t groups = 1;
  if (!kInstance) {
    QS_ASSIGN_OR_RETURN(groups, c.attrs().GetInt("num_groups", where));
  }
  const graph::ValueType& x = c.input(0);
  if (x.has_rank) {
    if (kInstance && x.dims.size() < 3) {
      return c.Error(absl::StrCat("input ", x.ToString(),
                                  " must have rank >= 3 [N, C, D...]"));
    }
    if (x.dims.size() < 2) return c.Error("X must have rank >= 2");
    const int64_t C = x.dims[1];
    if (!kInstance && (groups < 1 || (C >= 0 && C % groups != 0))) {
      return c.Error(absl::StrCat("num_groups ", groups,
                                  " does not divide C of X ", x.ToString()));
    }
    for (int i = 1; i < 3; ++i) {
      const graph::ValueType& p = c.input(i);
      if (C >= 0 && p.IsStatic()) {
        int64_t n = 1;
        for (int64_t d : p.dims) n *= d;
        if (n != C) {
          return c.Error(absl::StrCat(
              "input ", i, " ", p.ToString(), " needs ", C,
              kInstance ? " values" : " values (per channel, opset 21)"));
        }
      }
    }
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

template <bool kInstance>
absl::Status Backward(graph::GradBuilder& b) {
  if (b.output_grad(0) == graph::kNoValue) return absl::OkStatus();
  graph::Attributes attrs;
  attrs.Set("kind", std::string(kInstance ? "instance" : "group"));
  for (const char* n : {"num_groups", "epsilon"}) {
    if (kInstance && std::string(n) == "num_groups") continue;
    auto it = b.node().attrs.values().find(n);
    if (it != b.node().attrs.values().end()) attrs.Set(n, it->second);
  }
  QS_ASSIGN_OR_RETURN(
      std::vector<graph::ValueId> g,
      b.Emit("RowNormGrad", {b.output_grad(0), b.input(0), b.input(1)}, attrs,
             3));
  for (int i = 0; i < 3; ++i) b.SetInputGrad(i, g[i]);
  return absl::OkStatus();
}

template <bool kInstance>
graph::OpDef MakeNormOp(const std::string& type, int opset) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = 3;
  d.infer = Infer<kInstance>;
  d.make_cpu_kernel = MakeKernel<GroupNormKernel<kInstance>>;
  d.backward = Backward<kInstance>;
  d.onnx = {type, "", opset};
  return d;
}

}  // namespace

graph::OpDef MakeGroupNormalizationOp() {
  graph::OpDef d = MakeNormOp<false>("GroupNormalization", 21);
  d.attrs = {{"num_groups", graph::AttrType::kInt, true},
             {"epsilon", graph::AttrType::kFloat},
             {"stash_type", graph::AttrType::kInt}};
  return d;
}

graph::OpDef MakeInstanceNormalizationOp() {
  graph::OpDef d = MakeNormOp<true>("InstanceNormalization", 6);
  d.attrs = {{"epsilon", graph::AttrType::kFloat}};
  return d;
}

}  // namespace quantsim::ops
