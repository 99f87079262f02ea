// Small ONNX ops of the vision family, CPU forward only (marked
// non-differentiable: not used in training here):
//   Compress(input, condition bool [k], axis?) (11): the slices along axis
//     (flattened input without axis) whose condition is true (a condition
//     shorter than the axis counts as false). Any dtype.
//   ReverseSequence(input, sequence_lens i64 [batch]; batch_axis 1,
//     time_axis 0) (10): reverses the first sequence_lens[b] steps. Any dtype.
//   LRN(x [N, C, ...]; size, alpha 1e-4, beta 0.75, bias 1) (13):
//     y = x / (bias + alpha / size * sum_{c' in window} x[c']^2)^beta, the
//     window [c - floor((size-1)/2), c + ceil((size-1)/2)], in double.
//   MeanVarianceNormalization(x; axes [0, 2, 3]) (13):
//     y = (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9), in double.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

class CompressKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<CompressKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<CompressKernel>();
    k->has_axis_ = node.attrs.Has("axis");
    if (k->has_axis_) {
      QS_ASSIGN_OR_RETURN(k->a_, node.attrs.GetInt("axis", node.Describe()));
    }
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor c, ctx.input(1).Contiguous());
    if (c.dtype() != engine::DType::kBool || c.rank() != 1) {
      return ctx.Error("condition must be a 1-D bool tensor");
    }
    std::vector<int64_t> dims =
        has_axis_ ? x.shape().dims() : std::vector<int64_t>{x.numel()};
    int axis = 0;
    if (has_axis_) {
      absl::StatusOr<int> a = NormalizeAxis(a_, x.rank());
      if (!a.ok()) return ctx.Error(std::string(a.status().message()));
      axis = *a;
    }
    const engine::Shape s(dims);
    const int64_t outer = s.Product(0, axis), len = dims[axis],
                  inner = s.Product(axis + 1, s.rank());
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < std::min(len, c.numel()); ++i) {
      if (c.data<bool>()[i]) keep.push_back(i);
    }
    dims[axis] = static_cast<int64_t>(keep.size());
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(dims), x.dtype()));
    const size_t es = engine::DTypeSize(x.dtype());
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(y.raw_data());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k : keep) {
        std::memcpy(dst, src + ((o * len + k) * inner) * es, inner * es);
        dst += inner * es;
      }
    }
    return absl::OkStatus();
  }

 private:
  bool has_axis_ = false;
  int64_t a_ = 0;
};

class ReverseSequenceKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ReverseSequenceKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ReverseSequenceKernel>();
    QS_ASSIGN_OR_RETURN(k->batch_,
                        node.attrs.GetIntOr("batch_axis", 1, node.Describe()));
    QS_ASSIGN_OR_RETURN(k->time_,
                        node.attrs.GetIntOr("time_axis", 0, node.Describe()));
    if (!((k->batch_ == 0 && k->time_ == 1) ||
          (k->batch_ == 1 && k->time_ == 0))) {
      return absl::InvalidArgumentError(
          node.Describe() + ": batch_axis/time_axis must be 0/1 or 1/0");
    }
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor l, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(std::vector<int64_t> lens, TensorToInts(l));
    if (x.rank() < 2) return ctx.Error("input must be rank >= 2");
    const int64_t nb = x.dim(batch_), nt = x.dim(time_);
    if (static_cast<int64_t>(lens.size()) != nb) {
      return ctx.Error("sequence_lens must have batch_size values");
    }
    const int64_t inner = x.shape().Product(2, x.rank());
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, x.shape(), x.dtype()));
    const size_t es = engine::DTypeSize(x.dtype());
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(y.raw_data());
    for (int64_t b = 0; b < nb; ++b) {
      if (lens[b] < 0 || lens[b] > nt) return ctx.Error("bad sequence length");
      for (int64_t t = 0; t < nt; ++t) {
        const int64_t st = t < lens[b] ? lens[b] - 1 - t : t;
        auto at = [&](int64_t tt) {
          return (batch_ == 0 ? b * nt + tt : tt * nb + b) * inner * es;
        };
        std::memcpy(dst + at(t), src + at(st), inner * es);
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t batch_ = 1, time_ = 0;
};

class LrnKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<LrnKernel>> Create(
      const graph::Node& node) {
    const std::string w = node.Describe();
    auto k = std::make_unique<LrnKernel>();
    QS_ASSIGN_OR_RETURN(k->size_, node.attrs.GetInt("size", w));
    QS_ASSIGN_OR_RETURN(k->alpha_, node.attrs.GetFloatOr("alpha", 1e-4f, w));
    QS_ASSIGN_OR_RETURN(k->beta_, node.attrs.GetFloatOr("beta", 0.75f, w));
    QS_ASSIGN_OR_RETURN(k->bias_, node.attrs.GetFloatOr("bias", 1.0f, w));
    if (k->size_ < 1) {
      return absl::InvalidArgumentError(w + ": size must be >= 1");
    }
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    if (x.rank() < 2) return ctx.Error("input must be rank >= 2");
    const int64_t n = x.dim(0), c = x.dim(1),
                  p = x.shape().Product(2, x.rank());
    const int64_t lo = (size_ - 1) / 2, hi = size_ - 1 - lo;
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t ch = 0; ch < c; ++ch) {
        for (int64_t i = 0; i < p; ++i) {
          double sq = 0;
          for (int64_t k = std::max<int64_t>(0, ch - lo);
               k <= std::min(c - 1, ch + hi); ++k) {
            const double v = xp[(b * c + k) * p + i];
            sq += v * v;
          }
          const int64_t e = (b * c + ch) * p + i;
          yp[e] = static_cast<float>(
              xp[e] / std::pow(bias_ + alpha_ / size_ * sq, double{beta_}));
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t size_ = 1;
  float alpha_ = 1e-4f, beta_ = 0.75f, bias_ = 1.0f;
};

class MvnKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<MvnKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<MvnKernel>();
    QS_ASSIGN_OR_RETURN(
        k->axes_, node.attrs.GetIntsOr("axes", {0, 2, 3}, node.Describe()));
    return k;
  }
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    absl::StatusOr<std::vector<int>> ax = NormalizeAxes(axes_, x.rank());
    if (!ax.ok()) return ctx.Error(std::string(ax.status().message()));
    std::vector<bool> reduced(x.rank(), false);
    for (int a : *ax) reduced[a] = true;
    const std::vector<int64_t> st = x.shape().ContiguousStrides();
    // Group id of each element: its index over the kept axes.
    auto group = [&](int64_t e) {
      int64_t g = 0;
      for (int d = 0; d < x.rank(); ++d) {
        if (!reduced[d]) g = g * x.dim(d) + (e / st[d]) % x.dim(d);
      }
      return g;
    };
    int64_t groups = 1;
    for (int d = 0; d < x.rank(); ++d) groups *= reduced[d] ? 1 : x.dim(d);
    std::vector<double> s1(groups, 0), s2(groups, 0), cnt(groups, 0);
    const float* xp = x.data<float>();
    for (int64_t e = 0; e < x.numel(); ++e) {
      const int64_t g = group(e);
      s1[g] += xp[e], s2[g] += double{xp[e]} * xp[e], cnt[g] += 1;
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y, ctx.AllocateOutput(0, x.shape()));
    for (int64_t e = 0; e < x.numel(); ++e) {
      const int64_t g = group(e);
      const double m = s1[g] / cnt[g], var = s2[g] / cnt[g] - m * m;
      y.data<float>()[e] = static_cast<float>(
          (xp[e] - m) / (std::sqrt(std::max(var, 0.0)) + 1e-9));
    }
    return absl::OkStatus();
  }

 private:
  std::vector<int64_t> axes_;
};

absl::Status InferSame(graph::InferContext& c) {
  c.set_output(0, c.input(0));
  return absl::OkStatus();
}

absl::Status InferF32Same(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireF32(c, 0));
  return InferSame(c);
}

graph::OpDef Op(const std::string& type, int min_in, int max_in, int opset) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = min_in;
  d.max_inputs = max_in;
  d.differentiable = false;
  d.onnx = {type, "", opset};
  return d;
}

}  // namespace

graph::OpDef MakeCompressOp() {
  graph::OpDef d = Op("Compress", 2, 2, 11);
  d.attrs = {{"axis", graph::AttrType::kInt}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    graph::ValueType y = c.input(0);
    if (!c.attrs().Has("axis")) {
      y.dims = {-1};
      y.has_rank = true;
    } else if (y.has_rank) {
      QS_ASSIGN_OR_RETURN(int64_t a, c.attrs().GetInt("axis", ""));
      absl::StatusOr<int> ax =
          NormalizeAxis(a, static_cast<int>(y.dims.size()));
      if (!ax.ok()) return c.Error(std::string(ax.status().message()));
      y.dims[*ax] = -1;
    }
    c.set_output(0, y);
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<CompressKernel>;
  return d;
}

graph::OpDef MakeReverseSequenceOp() {
  graph::OpDef d = Op("ReverseSequence", 2, 2, 10);
  d.attrs = {{"batch_axis", graph::AttrType::kInt},
             {"time_axis", graph::AttrType::kInt}};
  d.infer = InferSame;
  d.make_cpu_kernel = MakeKernel<ReverseSequenceKernel>;
  return d;
}

graph::OpDef MakeLRNOp() {
  graph::OpDef d = Op("LRN", 1, 1, 13);
  d.attrs = {{"size", graph::AttrType::kInt, true},
             {"alpha", graph::AttrType::kFloat},
             {"beta", graph::AttrType::kFloat},
             {"bias", graph::AttrType::kFloat}};
  d.infer = InferF32Same;
  d.make_cpu_kernel = MakeKernel<LrnKernel>;
  return d;
}

graph::OpDef MakeMeanVarianceNormalizationOp() {
  graph::OpDef d = Op("MeanVarianceNormalization", 1, 1, 13);
  d.attrs = {{"axes", graph::AttrType::kInts}};
  d.infer = InferF32Same;
  d.make_cpu_kernel = MakeKernel<MvnKernel>;
  return d;
}

}  // namespace quantsim::ops
