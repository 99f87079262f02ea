#include "tests/export/qdq/qdq_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "engine/context.h"
#include "engine/status.h"
#include "graph/executor.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "ops/op_util.h"
#include "ops/registry.h"
#include "quant/libpymo_encoding.h"

namespace quantsim::io::qdq_testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::ValueId;

int64_t GetInt(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kU8:
      return t.data<uint8_t>()[i];
    case DType::kI8:
      return t.data<int8_t>()[i];
    case DType::kU16:
      return t.data<uint16_t>()[i];
    case DType::kI16:
      return t.data<int16_t>()[i];
    case DType::kI32:
      return t.data<int32_t>()[i];
    default:
      return 0;
  }
}

void SetInt(Tensor& t, int64_t i, int64_t v) {
  switch (t.dtype()) {
    case DType::kU8:
      t.data<uint8_t>()[i] = v;
      break;
    case DType::kI8:
      t.data<int8_t>()[i] = v;
      break;
    case DType::kU16:
      t.data<uint16_t>()[i] = v;
      break;
    case DType::kI16:
      t.data<int16_t>()[i] = v;
      break;
    case DType::kI32:
      t.data<int32_t>()[i] = v;
      break;
    default:
      break;
  }
}

void Range(DType d, int64_t* lo, int64_t* hi) {
  switch (d) {
    case DType::kU8:
      *lo = 0, *hi = 255;
      break;
    case DType::kI8:
      *lo = -128, *hi = 127;
      break;
    case DType::kU16:
      *lo = 0, *hi = 65535;
      break;
    case DType::kI16:
      *lo = -32768, *hi = 32767;
      break;
    default:
      *lo = INT32_MIN, *hi = INT32_MAX;
      break;
  }
}

// Index of element e's scale under ONNX per-tensor / per-axis / blockwise.
class ParamIndex {
 public:
  ParamIndex(const graph::Node& node, const Shape& x, const Shape& s) {
    per_tensor_ = s.NumElements() == 1 && s.rank() <= 1;
    int64_t axis = 1, block = 0;
    for (const auto& [name, v] : node.attrs.values()) {
      if (name == "axis") axis = std::get<int64_t>(v);
      if (name == "block_size") block = std::get<int64_t>(v);
    }
    if (axis < 0) axis += x.rank();
    axis_ = static_cast<int>(axis);
    block_ = block;
    x_ = x.dims();
    s_ = s.dims();
  }
  int64_t operator()(int64_t e) const {
    if (per_tensor_) return 0;
    std::vector<int64_t> idx(x_.size());
    for (int d = static_cast<int>(x_.size()) - 1; d >= 0; --d) {
      idx[d] = e % x_[d];
      e /= x_[d];
    }
    if (block_ == 0) return idx[axis_];
    idx[axis_] /= block_;
    int64_t k = 0;
    for (size_t d = 0; d < s_.size(); ++d) k = k * s_[d] + idx[d];
    return k;
  }

 private:
  bool per_tensor_ = true;
  int axis_ = 1;
  int64_t block_ = 0;
  std::vector<int64_t> x_, s_;
};

class StandInQuantizeKernel final : public graph::OpKernel {
 public:
  explicit StandInQuantizeKernel(const graph::Node& n) : node_(n) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor s, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor z, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor q, ctx.AllocateOutput(0, x.shape(), z.dtype()));
    int64_t lo, hi;
    Range(z.dtype(), &lo, &hi);
    const ParamIndex index(node_, x.shape(), s.shape());
    for (int64_t e = 0; e < x.numel(); ++e) {
      const int64_t k = index(e);
      const float v =
          kernels::RoundHalfToEven(x.data<float>()[e] / s.data<float>()[k]) +
          static_cast<float>(GetInt(z, k));
      SetInt(q, e, static_cast<int64_t>(std::clamp<float>(v, lo, hi)));
    }
    return absl::OkStatus();
  }

 private:
  graph::Node node_;
};

class StandInDequantizeKernel final : public graph::OpKernel {
 public:
  explicit StandInDequantizeKernel(const graph::Node& n) : node_(n) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor q, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor s, ctx.input(1).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor z, ctx.input(2).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, q.shape()));
    const ParamIndex index(node_, q.shape(), s.shape());
    for (int64_t e = 0; e < q.numel(); ++e) {
      const int64_t k = index(e);
      y.data<float>()[e] = static_cast<float>(static_cast<int32_t>(
                               GetInt(q, e) - GetInt(z, k))) *
                           s.data<float>()[k];
    }
    return absl::OkStatus();
  }

 private:
  graph::Node node_;
};

absl::Status InferQuantize(graph::InferContext& c) {
  graph::ValueType t = c.input(0);
  t.dtype = c.input(2).dtype;
  c.set_output(0, t);
  return absl::OkStatus();
}

absl::Status InferDequantize(graph::InferContext& c) {
  graph::ValueType t = c.input(0);
  t.dtype = DType::kF32;
  c.set_output(0, t);
  return absl::OkStatus();
}

graph::OpDef StandIn(const std::string& type, bool quantize) {
  graph::OpDef d;
  d.type = type;
  d.min_inputs = d.max_inputs = 3;
  d.attrs = {{"axis", graph::AttrType::kInt},
             {"block_size", graph::AttrType::kInt}};
  d.infer = quantize ? InferQuantize : InferDequantize;
  if (quantize) {
    d.make_cpu_kernel = ops::MakeKernel<StandInQuantizeKernel>;
  } else {
    d.make_cpu_kernel = ops::MakeKernel<StandInDequantizeKernel>;
  }
  d.differentiable = false;
  return d;
}

}  // namespace

bool HasRealQdqOps() {
  return ops::BuiltinOps().Find("QuantizeLinear").ok() &&
         ops::BuiltinOps().Find("DequantizeLinear").ok();
}

const graph::OpRegistry& QdqRegistry() {
  static const graph::OpRegistry* reg = [] {
    auto* r = new graph::OpRegistry(ops::BuiltinOps());
    for (const std::string prefix : {"", "com.microsoft."}) {
      for (bool q : {true, false}) {
        const std::string type =
            prefix + (q ? "QuantizeLinear" : "DequantizeLinear");
        if (!r->Find(type).ok()) (void)r->Register(StandIn(type, q));
      }
    }
    return r;
  }();
  return *reg;
}

FqSpec SpecFromEncoding(const quant::Encoding& e) {
  return SpecFromEncodings({e}, -1000);
}

FqSpec SpecFromEncodings(const std::vector<quant::Encoding>& es, int64_t axis) {
  FqSpec s;
  s.axis = axis;
  s.scale.clear();
  s.zero_point.clear();
  const quant::Encoding& e0 = es[0];
  const bool is_signed = quant::UsesSignedGrid(e0);
  const quant::IntegerRange r = quant::IntegerRangeFor(e0.bitwidth, is_signed);
  s.qmin = r.qmin;
  s.qmax = r.qmax;
  for (const quant::Encoding& e : es) {
    s.scale.push_back(static_cast<float>(e.scale));
    s.zero_point.push_back(is_signed ? 0.0f : static_cast<float>(-e.offset));
  }
  return s;
}

absl::StatusOr<quant::Encoding> TfEncodingOf(const Tensor& t, int bw,
                                             bool symmetric) {
  QS_ASSIGN_OR_RETURN(Tensor c, t.Contiguous());
  const float* p = c.data<float>();
  const auto [mn, mx] = std::minmax_element(p, p + c.numel());
  quant::GridOptions o;
  o.bitwidth = bw;
  o.symmetric = symmetric;
  return quant::ComputeTfEncoding(*mn, *mx, o);
}

absl::StatusOr<std::vector<quant::Encoding>> TfEncodingsPerChannel(
    const Tensor& t, int bw, bool symmetric) {
  std::vector<quant::Encoding> out;
  for (int64_t c = 0; c < t.dim(0); ++c) {
    QS_ASSIGN_OR_RETURN(Tensor row, t.Select(0, c));
    QS_ASSIGN_OR_RETURN(quant::Encoding e, TfEncodingOf(row, bw, symmetric));
    out.push_back(e);
  }
  return out;
}

absl::StatusOr<ValueId> AddFq(graph::Graph& g, ValueId x,
                              const std::string& name, const FqSpec& spec,
                              const std::string& out) {
  const int64_t n = static_cast<int64_t>(spec.scale.size());
  QS_ASSIGN_OR_RETURN(Tensor s, Tensor::FromVector(Shape({n}), spec.scale));
  QS_ASSIGN_OR_RETURN(Tensor z,
                      Tensor::FromVector(Shape({n}), spec.zero_point));
  QS_ASSIGN_OR_RETURN(ValueId vs, g.AddParameter(name + ".scale", s, false));
  QS_ASSIGN_OR_RETURN(ValueId vz,
                      g.AddParameter(name + ".zero_point", z, false));
  graph::Attributes a = {
      {"qmin", spec.qmin}, {"qmax", spec.qmax}, {"rounding", spec.rounding}};
  if (spec.axis != -1000) a.Set("axis", spec.axis);
  if (spec.block > 1) a.Set("block_size", spec.block);
  QS_ASSIGN_OR_RETURN(std::vector<ValueId> o,
                      g.AddNode("FakeQuantize", {x, vs, vz}, a, 1, name,
                                {out.empty() ? name + "_out" : out}));
  return o[0];
}

absl::StatusOr<Tensor> RunGraph(const graph::Graph& g,
                                const std::vector<Tensor>& in) {
  QS_ASSIGN_OR_RETURN(std::unique_ptr<graph::CompiledGraph> cg,
                      graph::CompiledGraph::Compile(g, QdqRegistry()));
  engine::ContextOptions o;
  o.num_threads = 1;
  engine::Context ctx(o);
  QS_ASSIGN_OR_RETURN(graph::RunResult r, cg->Run(ctx, in));
  return r.outputs[0];
}

double MaxLsbDiff(const Tensor& a, const Tensor& b, float lsb) {
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(double{a.data<float>()[i]} - b.data<float>()[i]);
    worst = std::max(worst, d / lsb);
  }
  return worst;
}

}  // namespace quantsim::io::qdq_testing
