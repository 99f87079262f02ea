// Conv and ConvTranspose: forward vs the double references of
// nn_reference.h and gradients of every input (x, w, bias) vs finite
// differences, through ops::BuiltinOps() and autograd (OpCase harness).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/ops/nn_reference.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using Ints = std::vector<int64_t>;

struct ConvSpec {
  std::string label;
  Ints x, w;
  bool bias = true;
  graph::Attributes attrs;
  ConvRefParams ref;  // pads resolved by hand from the ONNX rules
};

void RunSpec(const ConvSpec& s, bool transpose) {
  OpCase c;
  c.op = transpose ? "ConvTranspose" : "Conv";
  c.shapes = {s.x, s.w};
  c.grad_inputs = {0, 1};
  if (s.bias) {
    const int64_t m = transpose ? s.w[1] * s.ref.group : s.w[0];
    c.shapes.push_back({m});
    c.grad_inputs.push_back(2);
  }
  c.attrs = s.attrs;
  const ConvRefParams p = s.ref;
  const bool bias = s.bias;
  c.reference = [p, bias, transpose](const std::vector<DArray>& in) {
    const DArray* b = bias ? &in[2] : nullptr;
    return std::vector<DArray>{transpose ? ConvTransposeRef(in[0], in[1], b, p)
                                         : ConvRef(in[0], in[1], b, p)};
  };
  // Float accumulation over up to ~150 products of magnitude <= 4 (gemm.h
  // bound, typical case): absolute error ~1e-6 where outputs cancel.
  c.fwd_atol = 1e-5;
  CheckOp(c, s.label);
}

graph::Attributes A(Ints strides, Ints pads, Ints dilations = {},
                    int64_t group = 1) {
  graph::Attributes a;
  if (!strides.empty()) a.Set("strides", strides);
  if (!pads.empty()) a.Set("pads", pads);
  if (!dilations.empty()) a.Set("dilations", dilations);
  if (group != 1) a.Set("group", group);
  return a;
}

ConvRefParams P(Ints strides, Ints pb, Ints pe, Ints dil = {},
                int64_t group = 1, Ints op = {}) {
  ConvRefParams p;
  p.strides = strides;
  p.pad_begin = pb;
  p.pad_end = pe;
  p.dilations = dil;
  p.group = group;
  p.output_padding = op;
  return p;
}

TEST(ConvOp, TwoD) {
  std::vector<ConvSpec> specs = {
      {"3x3 s1 p1",
       {2, 3, 6, 6},
       {4, 3, 3, 3},
       true,
       A({1, 1}, {1, 1, 1, 1}),
       P({1, 1}, {1, 1}, {1, 1})},
      {"3x3 s2",
       {1, 2, 7, 7},
       {3, 2, 3, 3},
       true,
       A({2, 2}, {}),
       P({2, 2}, {0, 0}, {0, 0})},
      {"1x1",
       {2, 4, 5, 5},
       {3, 4, 1, 1},
       true,
       A({}, {}),
       P({1, 1}, {0, 0}, {0, 0})},
      {"7x7 s2 p3",
       {1, 2, 9, 9},
       {2, 2, 7, 7},
       true,
       A({2, 2}, {3, 3, 3, 3}),
       P({2, 2}, {3, 3}, {3, 3})},
      {"depthwise p1",
       {2, 4, 6, 6},
       {4, 1, 3, 3},
       true,
       A({}, {1, 1, 1, 1}, {}, 4),
       P({1, 1}, {1, 1}, {1, 1}, {}, 4)},
      {"depthwise s2 p1",
       {1, 3, 7, 7},
       {3, 1, 3, 3},
       true,
       A({2, 2}, {1, 1, 1, 1}, {}, 3),
       P({2, 2}, {1, 1}, {1, 1}, {}, 3)},
      {"groups 2",
       {1, 4, 5, 5},
       {6, 2, 3, 3},
       true,
       A({}, {1, 1, 1, 1}, {}, 2),
       P({1, 1}, {1, 1}, {1, 1}, {}, 2)},
      {"dilation 2",
       {1, 2, 7, 7},
       {3, 2, 3, 3},
       true,
       A({}, {2, 1, 2, 1}, {2, 2}),
       P({1, 1}, {2, 1}, {2, 1}, {2, 2})},
      {"asymmetric pads, rect kernel",
       {1, 2, 6, 5},
       {2, 2, 3, 2},
       true,
       A({2, 1}, {0, 1, 1, 0}),
       P({2, 1}, {0, 1}, {1, 0})},
      {"no bias",
       {1, 3, 5, 5},
       {2, 3, 3, 3},
       false,
       A({}, {1, 1, 1, 1}),
       P({1, 1}, {1, 1}, {1, 1})},
  };
  for (const ConvSpec& s : specs) RunSpec(s, false);
}

TEST(ConvOp, AutoPad) {
  // 6 wide, kernel 3, stride 2: out 3, total pad (3-1)*2+3-6 = 1.
  ConvSpec upper{"SAME_UPPER", {1, 2, 6, 6},  {3, 2, 3, 3},
                 true,         A({2, 2}, {}), P({2, 2}, {0, 0}, {1, 1})};
  upper.attrs.Set("auto_pad", std::string("SAME_UPPER"));
  RunSpec(upper, false);
  ConvSpec lower = upper;
  lower.label = "SAME_LOWER";
  lower.attrs.Set("auto_pad", std::string("SAME_LOWER"));
  lower.ref = P({2, 2}, {1, 1}, {0, 0});
  RunSpec(lower, false);
  ConvSpec valid{"VALID", {1, 2, 6, 6},  {3, 2, 3, 3},
                 true,    A({2, 2}, {}), P({2, 2}, {0, 0}, {0, 0})};
  valid.attrs.Set("auto_pad", std::string("VALID"));
  RunSpec(valid, false);
  // kernel_shape given explicitly (must match the weight).
  ConvSpec ks{"kernel_shape attr", {1, 2, 5, 5},
              {3, 2, 3, 3},        true,
              A({}, {1, 1, 1, 1}), P({1, 1}, {1, 1}, {1, 1})};
  ks.attrs.Set("kernel_shape", Ints{3, 3});
  RunSpec(ks, false);
}

TEST(ConvOp, OneDAndThreeD) {
  RunSpec({"1d s2 p1",
           {2, 3, 10},
           {4, 3, 3},
           true,
           A({2}, {1, 1}),
           P({2}, {1}, {1})},
          false);
  RunSpec({"1d dilated groups",
           {1, 4, 9},
           {2, 2, 3},
           true,
           A({}, {0, 2}, {2}, 2),
           P({1}, {0}, {2}, {2}, 2)},
          false);
  RunSpec({"3d",
           {1, 2, 4, 5, 4},
           {3, 2, 3, 3, 2},
           true,
           A({1, 2, 1}, {1, 1, 0, 1, 1, 1}),
           P({1, 2, 1}, {1, 1, 0}, {1, 1, 1})},
          false);
}

TEST(ConvTransposeOp, TwoD) {
  std::vector<ConvSpec> specs = {
      {"s2 p1 output_padding 1",
       {1, 3, 4, 4},
       {3, 2, 3, 3},
       true,
       A({2, 2}, {1, 1, 1, 1}),
       P({2, 2}, {1, 1}, {1, 1}, {}, 1, {1, 1})},
      {"groups 2 s2",
       {1, 4, 3, 3},
       {4, 3, 3, 3},
       true,
       A({2, 2}, {}, {}, 2),
       P({2, 2}, {0, 0}, {0, 0}, {}, 2)},
      {"dilation 2 no bias",
       {2, 2, 3, 3},
       {2, 3, 2, 2},
       false,
       A({}, {}, {2, 2}),
       P({1, 1}, {0, 0}, {0, 0}, {2, 2})},
      {"s(2,1) asymmetric pads",
       {1, 2, 3, 4},
       {2, 2, 3, 3},
       true,
       A({2, 1}, {0, 1, 1, 0}),
       P({2, 1}, {0, 1}, {1, 0})},
  };
  specs[0].attrs.Set("output_padding", Ints{1, 1});
  for (const ConvSpec& s : specs) RunSpec(s, true);

  // output_shape: total = 2 * (3 - 1) + 3 - 6 = 1; NOTSET puts the odd
  // pixel at the beginning, SAME_UPPER at the end (ONNX spec text).
  ConvSpec os{"output_shape", {1, 2, 3, 3},  {2, 2, 3, 3},
              true,           A({2, 2}, {}), P({2, 2}, {1, 1}, {0, 0})};
  os.attrs.Set("output_shape", Ints{6, 6});
  RunSpec(os, true);
  ConvSpec same{"SAME_UPPER", {1, 2, 3, 3},  {2, 2, 3, 3},
                true,         A({2, 2}, {}), P({2, 2}, {0, 0}, {1, 1})};
  same.attrs.Set("auto_pad", std::string("SAME_UPPER"));
  RunSpec(same, true);
}

TEST(ConvTransposeOp, OneD) {
  ConvSpec s{"1d s3 op2", {2, 3, 5},      {3, 2, 4},
             true,        A({3}, {1, 2}), P({3}, {1}, {2}, {}, 1, {2})};
  s.attrs.Set("output_padding", Ints{2});
  RunSpec(s, true);
}

}  // namespace
}  // namespace quantsim::ops::testing
