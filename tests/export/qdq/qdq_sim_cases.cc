// The hand-built simulation graphs of qdq_test_util.h (MakeSimCases).
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "tests/export/qdq/qdq_test_util.h"

namespace quantsim::io::qdq_testing {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::ValueId;

Tensor Uniform(const Shape& shape, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(shape.NumElements());
  for (float& f : v) f = u(rng);
  return *Tensor::FromVector(shape, v);
}

// Scales row c of a [rows, ...] tensor by (c + 1) / rows: per-channel ranges
// that differ, so per-channel scales matter.
Tensor RowScaled(Tensor t) {
  const int64_t rows = t.dim(0), per = t.numel() / rows;
  for (int64_t c = 0; c < rows; ++c) {
    for (int64_t i = 0; i < per; ++i) {
      t.data<float>()[c * per + i] *= static_cast<float>(c + 1) / rows;
    }
  }
  return t;
}

FqSpec Grid(int64_t qmin, int64_t qmax, float scale, float zp) {
  FqSpec s;
  s.qmin = qmin;
  s.qmax = qmax;
  s.scale = {scale};
  s.zero_point = {zp};
  return s;
}

struct Builder {
  SimCase c;
  std::string rounding;
  ValueId Fq(ValueId x, const std::string& name, FqSpec s,
             const std::string& out = "") {
    s.rounding = rounding;
    return *AddFq(c.graph, x, name, s, out);
  }
  ValueId Param(const std::string& name, const Tensor& t) {
    return *c.graph.AddParameter(name, t);
  }
  ValueId Node(const std::string& op, std::vector<ValueId> in,
               graph::Attributes a, const std::string& name) {
    return (*c.graph.AddNode(op, std::move(in), std::move(a), 1, name,
                             {name + "_out"}))[0];
  }
};

const graph::Attributes kPad1 = {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                 {"kernel_shape", std::vector<int64_t>{3, 3}}};
const graph::Attributes kTransB = {{"transB", int64_t{1}}};

SimCase ActRelu(const std::string& rounding) {
  Builder b{{"act_relu"}, rounding};
  ValueId x = *b.c.graph.AddInput("x", DType::kF32, {-1, 3, 4, 5});
  ValueId h = b.Fq(x, "x_fq", Grid(0, 255, 0.0625f, 128.0f));
  h = b.Node("Relu", {h}, {}, "relu");
  h = b.Fq(h, "out_fq", Grid(0, 255, 0.03125f, 0.0f), "y");
  (void)b.c.graph.AddOutput(h);
  // Half the values on exact .5 ties of x / 0.0625, some out of range.
  Tensor in = Uniform(Shape({2, 3, 4, 5}), -9.0f, 9.0f, 1);
  for (int64_t i = 0; i < in.numel(); i += 2) {
    in.data<float>()[i] =
        (static_cast<float>(i % 200) - 60.0f + 0.5f) * 0.0625f;
  }
  b.c.inputs = {in};
  b.c.out_lsb = 0.03125f;
  return b.c;
}

SimCase ConvCase(const std::string& rounding, bool per_channel) {
  Builder b{{per_channel ? "conv_pc" : "conv_pt"}, rounding};
  ValueId x = *b.c.graph.AddInput("x", DType::kF32, {-1, 3, 6, 6});
  ValueId h = b.Fq(x, "x_fq", Grid(0, 255, 2.0f / 255, 128.0f));
  const Tensor w = RowScaled(Uniform(Shape({4, 3, 3, 3}), -0.5f, 0.5f, 2));
  const FqSpec ws =
      per_channel ? SpecFromEncodings(*TfEncodingsPerChannel(w, 8, true), 0)
                  : SpecFromEncoding(*TfEncodingOf(w, 8, true));
  ValueId wq = b.Fq(b.Param("conv.weight", w), "conv.weight_fq", ws);
  ValueId bias = b.Param("conv.bias", Uniform(Shape({4}), -0.1f, 0.1f, 3));
  h = b.Node("Conv", {h, wq, bias}, kPad1, "conv");
  h = b.Node("Relu", {h}, {}, "relu");
  h = b.Fq(h, "out_fq", Grid(0, 255, 0.0173f, 0.0f), "y");
  (void)b.c.graph.AddOutput(h);
  b.c.inputs = {Uniform(Shape({2, 3, 6, 6}), -1.0f, 1.0f, 4)};
  b.c.out_lsb = 0.0173f;
  b.c.bit_exact = false;
  return b.c;
}

// x [-1, 16] -> FQ(in) -> Gemm(W [8, 16] via FQ(w), bias or FQ(bias)) ->
// FQ(out).
SimCase GemmCase(const std::string& name, const std::string& rounding,
                 const FqSpec& in, const FqSpec& w_spec, const FqSpec& out,
                 const FqSpec* bias_spec = nullptr) {
  Builder b{{name}, rounding};
  ValueId x = *b.c.graph.AddInput("x", DType::kF32, {-1, 16});
  ValueId h = b.Fq(x, "x_fq", in);
  const Tensor w = RowScaled(Uniform(Shape({8, 16}), -0.5f, 0.5f, 5));
  ValueId wq = b.Fq(b.Param("fc.weight", w), "fc.weight_fq", w_spec);
  ValueId bias = b.Param("fc.bias", Uniform(Shape({8}), -0.3f, 0.3f, 6));
  if (bias_spec != nullptr) bias = b.Fq(bias, "fc.bias_fq", *bias_spec);
  h = b.Node("Gemm", {h, wq, bias}, kTransB, "fc");
  h = b.Fq(h, "out_fq", out, "y");
  (void)b.c.graph.AddOutput(h);
  b.c.inputs = {Uniform(Shape({5, 16}), -1.2f, 1.2f, 7)};
  b.c.out_lsb = out.scale[0];
  b.c.bit_exact = false;
  return b.c;
}

FqSpec PerChannelSym(int bits, const Tensor& w) {
  return SpecFromEncodings(*TfEncodingsPerChannel(w, bits, true), 0);
}

}  // namespace

std::vector<SimCase> MakeSimCases(const std::string& rounding) {
  std::vector<SimCase> cases;
  cases.push_back(ActRelu(rounding));
  cases.push_back(ConvCase(rounding, false));
  cases.push_back(ConvCase(rounding, true));
  // Same weights as GemmCase draws (seed 5), for data-derived encodings.
  const Tensor w = RowScaled(Uniform(Shape({8, 16}), -0.5f, 0.5f, 5));
  const FqSpec in8 = Grid(0, 255, 2.4f / 255, 128.0f);
  cases.push_back(GemmCase("gemm_pc", rounding, in8, PerChannelSym(8, w),
                           Grid(0, 255, 0.05f, 100.0f)));
  cases.push_back(GemmCase("narrow", rounding, Grid(-127, 127, 1.0f / 127, 0),
                           PerChannelSym(4, w), Grid(0, 15, 0.1f, 12.0f)));
  FqSpec w16 = PerChannelSym(16, w);
  cases.push_back(GemmCase("wide16", rounding,
                           Grid(0, 65535, 1.0f / 16384, 32768.0f), w16,
                           Grid(0, 65535, 1e-3f, 30000.0f)));
  // Blocks of 4 along Cin: scale per (row, block) = max |w| / 127.5-ish.
  FqSpec wb = Grid(-128, 127, 1.0f, 0.0f);
  wb.axis = 1;
  wb.block = 4;
  wb.scale.clear();
  wb.zero_point.clear();
  for (int64_t r = 0; r < 8; ++r) {
    for (int64_t k = 0; k < 4; ++k) {
      float m = 1e-3f;
      for (int64_t i = 0; i < 4; ++i) {
        m = std::max(m, std::fabs(w.data<float>()[r * 16 + k * 4 + i]));
      }
      wb.scale.push_back(m / 127.0f);
      wb.zero_point.push_back(0.0f);
    }
  }
  cases.push_back(
      GemmCase("blockwise", rounding, in8, wb, Grid(0, 255, 0.05f, 100.0f)));
  // int32 bias on the grid scale_x * scale_w (AIMET's bias rule).
  const FqSpec wpt = SpecFromEncoding(*TfEncodingOf(w, 8, true));
  const FqSpec bias32 =
      Grid(INT32_MIN, INT32_MAX, in8.scale[0] * wpt.scale[0], 0.0f);
  cases.push_back(GemmCase("bias32", rounding, in8, wpt,
                           Grid(0, 255, 0.05f, 100.0f), &bias32));
  if (rounding != "half_to_even") {
    for (SimCase& c : cases) c.name += "_" + rounding;
  }
  return cases;
}

}  // namespace quantsim::io::qdq_testing
