// Helpers of the QuantSim tests: a small hand-built network, specs, random
// tensors and the libpymo QDQ reference.
#ifndef QUANTSIM_TESTS_QUANT_SIM_SIM_TEST_UTIL_H_
#define QUANTSIM_TESTS_QUANT_SIM_SIM_TEST_UTIL_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "graph/graph.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/libpymo_encoding.h"
#include "quant/quantizer_spec.h"

namespace quantsim::quant::testing {

inline engine::Tensor RandomTensor(std::vector<int64_t> dims, uint32_t seed,
                                   float stddev = 1.0f, float mean = 0.0f) {
  engine::Tensor t =
      engine::Tensor::Zeros(engine::Shape(std::move(dims)), engine::DType::kF32)
          .value();
  std::mt19937 gen(seed);
  std::normal_distribution<float> d(mean, stddev);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(gen);
  return t;
}

// x[-1,1,4,4] -> Conv 'conv' (conv.weight [2,1,3,3], conv.bias, pad 1)
//   -> 'conv_out' -> Relu 'relu' -> 'relu_out' -> Flatten 'flatten' ->
//   'flat' -> Gemm 'fc' (fc.weight [3,32], fc.bias, transB) -> 'y'.
inline graph::Graph SmallNet() {
  graph::Graph g;
  const graph::ValueId x =
      g.AddInput("x", engine::DType::kF32, {-1, 1, 4, 4}).value();
  const auto w =
      g.AddParameter("conv.weight", RandomTensor({2, 1, 3, 3}, 1, 0.5f))
          .value();
  const auto b =
      g.AddParameter("conv.bias", RandomTensor({2}, 2, 0.1f)).value();
  const auto fw =
      g.AddParameter("fc.weight", RandomTensor({3, 32}, 3, 0.3f)).value();
  const auto fb = g.AddParameter("fc.bias", RandomTensor({3}, 4, 0.1f)).value();
  const graph::Attributes pad1 = {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                  {"kernel_shape", std::vector<int64_t>{3, 3}}};
  auto h = g.AddNode("Conv", {x, w, b}, pad1, 1, "conv", {"conv_out"}).value();
  h = g.AddNode("Relu", {h[0]}, {}, 1, "relu", {"relu_out"}).value();
  h = g.AddNode("Flatten", {h[0]}, {{"axis", int64_t{1}}}, 1, "flatten",
                {"flat"})
          .value();
  h = g.AddNode("Gemm", {h[0], fw, fb}, {{"transB", int64_t{1}}}, 1, "fc",
                {"y"})
          .value();
  (void)g.AddOutput(h[0]);
  return g;
}

inline QuantizerSpec Spec(QuantizerKind kind, std::string node, int index,
                          std::string tensor, int bw = 8,
                          bool symmetric = false) {
  QuantizerSpec s;
  s.kind = kind;
  s.node = std::move(node);
  s.index = index;
  s.tensor = std::move(tensor);
  s.grid.bitwidth = bw;
  s.grid.symmetric = symmetric;
  return s;
}

// Model input, both weights (8-bit symmetric), Relu and Gemm outputs.
inline std::vector<QuantizerSpec> SmallNetSpecs() {
  return {Spec(QuantizerKind::kInput, "conv", 0, "x"),
          Spec(QuantizerKind::kParam, "conv", 1, "conv.weight", 8, true),
          Spec(QuantizerKind::kOutput, "relu", 0, "relu_out"),
          Spec(QuantizerKind::kParam, "fc", 1, "fc.weight", 8, true),
          Spec(QuantizerKind::kOutput, "fc", 0, "y")};
}

// libpymo's QDQ of x with encoding e (per tensor), as TensorQuantizer does.
inline engine::Tensor LibpymoQdq(const engine::Tensor& x, const Encoding& e) {
  const Encoding k = LibpymoKernelEncoding(e.min, e.max, e.bitwidth).value();
  const kernels::QdqParam p = ToLibpymoKernelParam(k);
  const kernels::QdqConfig c = LibpymoKernelConfig(k);
  engine::Tensor y =
      engine::Tensor::Zeros(x.shape(), engine::DType::kF32).value();
  for (int64_t i = 0; i < x.numel(); ++i) {
    y.data<float>()[i] = kernels::FakeQuantValue(x.data<float>()[i], p, c, i);
  }
  return y;
}

inline bool BitEqual(const engine::Tensor& a, const engine::Tensor& b) {
  if (a.shape() != b.shape() || a.numel() == 0) return a.shape() == b.shape();
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    if (!(x == y) && !(x != x && y != y)) return false;
  }
  return true;
}

inline bool SameEncoding(const Encoding& a, const Encoding& b) {
  return a.min == b.min && a.max == b.max && a.scale == b.scale &&
         a.offset == b.offset && a.bitwidth == b.bitwidth &&
         a.symmetric == b.symmetric &&
         a.strict_symmetric == b.strict_symmetric &&
         a.pass_through == b.pass_through;
}

}  // namespace quantsim::quant::testing

#endif  // QUANTSIM_TESTS_QUANT_SIM_SIM_TEST_UTIL_H_
