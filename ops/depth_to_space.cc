// DepthToSpace (ONNX 13; mode DCR (default) | CRD) and SpaceToDepth (13),
// f32 [N, C, H, W], `blocksize` b:
//   DepthToSpace: [N, C, H, W] -> [N, C / b^2, H b, W b]
//     DCR: y[n, c, h b + i, w b + j] = x[n, (i b + j) C' + c, h, w]
//     CRD: y[n, c, h b + i, w b + j] = x[n, c b^2 + i b + j, h, w]
//   SpaceToDepth: the inverse of DepthToSpace DCR.
// Both are one strided copy (ops::StridedCopy over the 6-d view). Backward:
// the inverse permutation — SpaceToDepth for DCR, the internal
// SpaceToDepthCrd for CRD, DepthToSpace (DCR) for SpaceToDepth.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

enum class Dir { kDepthToSpace, kSpaceToDepth };

struct D2SAttrs {
  int64_t block = 0;
  bool crd = false;
};

absl::StatusOr<D2SAttrs> ParseD2S(const graph::Node& node, bool crd_default) {
  const std::string w = node.Describe();
  D2SAttrs a;
  QS_ASSIGN_OR_RETURN(a.block, node.attrs.GetInt("blocksize", w));
  if (a.block < 1) {
    return absl::InvalidArgumentError(w + ": blocksize must be >= 1");
  }
  QS_ASSIGN_OR_RETURN(
      std::string mode,
      node.attrs.GetStringOr("mode", crd_default ? "CRD" : "DCR", w));
  if (mode != "DCR" && mode != "CRD") {
    return absl::InvalidArgumentError(
        absl::StrCat(w, ": mode '", mode, "' (DCR | CRD)"));
  }
  a.crd = mode == "CRD";
  return a;
}

// Output dims of the op (or error text); -1 dims stay -1.
absl::StatusOr<std::vector<int64_t>> OutDims(const std::vector<int64_t>& x,
                                             Dir dir, int64_t b) {
  if (x.size() != 4) return absl::InvalidArgumentError("input must be rank 4");
  std::vector<int64_t> y = x;
  auto mul = [](int64_t v, int64_t f) { return v < 0 ? v : v * f; };
  if (dir == Dir::kDepthToSpace) {
    if (x[1] >= 0 && x[1] % (b * b) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("channels ", x[1], " not divisible by blocksize^2"));
    }
    y[1] = x[1] < 0 ? -1 : x[1] / (b * b);
    y[2] = mul(x[2], b);
    y[3] = mul(x[3], b);
  } else {
    for (int d = 2; d < 4; ++d) {
      if (x[d] >= 0 && x[d] % b != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("spatial dim ", x[d], " not divisible by blocksize"));
      }
      y[d] = x[d] < 0 ? -1 : x[d] / b;
    }
    y[1] = mul(x[1], b * b);
  }
  return y;
}

class D2SKernel final : public graph::OpKernel {
 public:
  D2SKernel(D2SAttrs a, Dir dir) : a_(a), dir_(dir) {}

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<std::vector<int64_t>> yd =
        OutDims(x.shape().dims(), dir_, a_.block);
    if (!yd.ok()) return ctx.Error(std::string(yd.status().message()));
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(*yd), x.dtype()));
    const int64_t b = a_.block;
    // The depth-side tensor [N, C' b^2, H, W] and the space-side tensor
    // [N, C', H b, W b]; index space (n, c', h, i, w, j) in space order.
    const std::vector<int64_t>& dd =
        dir_ == Dir::kDepthToSpace ? x.shape().dims() : *yd;
    const int64_t n = dd[0], cp = dd[1] / (b * b), h = dd[2], w = dd[3];
    const std::vector<int64_t> dims = {n, cp, h, b, w, b};
    const std::vector<int64_t> space = ContiguousStrides(dims);
    const int64_t hw = h * w;
    // Depth strides of (n, c', h, i, w, j).
    std::vector<int64_t> depth = {dd[1] * hw, 0, w, 0, 1, 0};
    if (a_.crd) {
      depth[1] = b * b * hw, depth[3] = b * hw, depth[5] = hw;
    } else {
      depth[1] = hw, depth[3] = b * cp * hw, depth[5] = cp * hw;
    }
    const size_t es = engine::DTypeSize(x.dtype());
    if (dir_ == Dir::kDepthToSpace) {
      StridedCopy(x.raw_data(), depth, y.raw_data(), space, dims, es,
                  ctx.pool());
    } else {
      StridedCopy(x.raw_data(), space, y.raw_data(), depth, dims, es,
                  ctx.pool());
    }
    return absl::OkStatus();
  }

 private:
  D2SAttrs a_;
  Dir dir_;
};

template <Dir kDir, bool kCrd>
absl::StatusOr<std::unique_ptr<graph::OpKernel>> MakeD2SKernel(
    const graph::Node& node) {
  QS_ASSIGN_OR_RETURN(D2SAttrs a, ParseD2S(node, kCrd));
  if (kDir == Dir::kSpaceToDepth) a.crd = kCrd;
  return std::unique_ptr<graph::OpKernel>(std::make_unique<D2SKernel>(a, kDir));
}

template <Dir kDir>
absl::Status InferD2S(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(D2SAttrs a, ParseD2S(c.node(), false));
  graph::ValueType y = c.input(0);
  if (!y.has_rank) {
    c.set_output(0, y);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<int64_t>> d = OutDims(y.dims, kDir, a.block);
  if (!d.ok()) return c.Error(std::string(d.status().message()));
  y.dims = *d;
  c.set_output(0, y);
  return absl::OkStatus();
}

absl::Status EmitInverse(graph::GradBuilder& b, const std::string& op) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  graph::Attributes attrs;
  QS_ASSIGN_OR_RETURN(int64_t bs,
                      b.node().attrs.GetInt("blocksize", b.node().Describe()));
  attrs.Set("blocksize", bs);
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1(op, {b.output_grad(0)}, attrs));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

graph::OpDef Base(const std::string& type) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {{"blocksize", graph::AttrType::kInt, true},
             {"mode", graph::AttrType::kString}};
  return d;
}

}  // namespace

graph::OpDef MakeDepthToSpaceOp() {
  graph::OpDef d = Base("DepthToSpace");
  d.infer = InferD2S<Dir::kDepthToSpace>;
  d.make_cpu_kernel = MakeD2SKernel<Dir::kDepthToSpace, false>;
  d.backward = [](graph::GradBuilder& b) -> absl::Status {
    QS_ASSIGN_OR_RETURN(
        std::string mode,
        b.node().attrs.GetStringOr("mode", "DCR", b.node().Describe()));
    return EmitInverse(b, mode == "CRD" ? "SpaceToDepthCrd" : "SpaceToDepth");
  };
  d.onnx = {"DepthToSpace", "", 13};
  return d;
}

graph::OpDef MakeSpaceToDepthOp() {
  graph::OpDef d = Base("SpaceToDepth");
  d.attrs.pop_back();  // no mode
  d.infer = InferD2S<Dir::kSpaceToDepth>;
  d.make_cpu_kernel = MakeD2SKernel<Dir::kSpaceToDepth, false>;
  d.backward = [](graph::GradBuilder& b) {
    return EmitInverse(b, "DepthToSpace");
  };
  d.onnx = {"SpaceToDepth", "", 13};
  return d;
}

// SpaceToDepthCrd (internal): the inverse of DepthToSpace CRD.
graph::OpDef MakeSpaceToDepthCrdOp() {
  graph::OpDef d = Base("SpaceToDepthCrd");
  d.attrs.pop_back();
  d.infer = InferD2S<Dir::kSpaceToDepth>;
  d.make_cpu_kernel = MakeD2SKernel<Dir::kSpaceToDepth, true>;
  d.backward = [](graph::GradBuilder& b) {
    graph::Attributes attrs = b.node().attrs;
    attrs.Set("mode", std::string("CRD"));
    if (!b.needs_input_grad(0)) return absl::OkStatus();
    absl::StatusOr<graph::ValueId> dx =
        b.Emit1("DepthToSpace", {b.output_grad(0)}, attrs);
    if (!dx.ok()) return dx.status();
    b.SetInputGrad(0, *dx);
    return absl::OkStatus();
  };
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
