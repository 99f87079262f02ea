// Gemm and MatMul: forward vs the double references of nn_reference.h and
// gradients of every input vs finite differences (OpCase harness).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/ops/nn_reference.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using Ints = std::vector<int64_t>;

void CheckGemm(bool ta, bool tb, const Ints* c_dims, float alpha, float beta,
               bool set_alpha_beta) {
  const int64_t m = 3, k = 4, n = 5;
  OpCase c;
  c.op = "Gemm";
  c.shapes = {ta ? Ints{k, m} : Ints{m, k}, tb ? Ints{n, k} : Ints{k, n}};
  c.grad_inputs = {0, 1};
  if (c_dims) {
    c.shapes.push_back(*c_dims);
    c.grad_inputs.push_back(2);
  }
  c.attrs.Set("transA", int64_t{ta});
  c.attrs.Set("transB", int64_t{tb});
  if (set_alpha_beta) {
    c.attrs.Set("alpha", alpha);
    c.attrs.Set("beta", beta);
  }
  const bool has_c = c_dims != nullptr;
  c.reference = [=](const std::vector<DArray>& in) {
    return std::vector<DArray>{
        GemmRef(in[0], in[1], has_c ? &in[2] : nullptr, alpha, beta, ta, tb)};
  };
  std::string label = "transA " + std::to_string(ta) + " transB " +
                      std::to_string(tb) + " C rank ";
  label += c_dims ? std::to_string(c_dims->size()) : "none";
  if (c_dims && !c_dims->empty())
    label += " first " + std::to_string((*c_dims)[0]);
  CheckOp(c, label);
}

TEST(GemmOp, AllTransposeCombosWithAlphaBeta) {
  const Ints full = {3, 5};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      CheckGemm(ta, tb, &full, 0.7f, 1.3f, true);
      CheckGemm(ta, tb, nullptr, 1.0f, 1.0f, false);
    }
  }
}

TEST(GemmOp, BroadcastC) {
  for (const Ints& cd :
       std::vector<Ints>{{5}, {1, 5}, {3, 1}, {}, {1}, {1, 1}}) {
    CheckGemm(false, true, &cd, 1.0f, 1.0f, false);  // fused bias, beta 1
    CheckGemm(true, false, &cd, -0.5f, 2.5f, true);  // scaled bias
  }
}

TEST(GemmOp, BetaZeroIgnoresC) {
  const Ints full = {3, 5};
  OpCase c;
  c.op = "Gemm";
  c.shapes = {{3, 4}, {4, 5}, full};
  c.attrs.Set("beta", 0.0f);
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{
        GemmRef(in[0], in[1], nullptr, 1.0, 0.0, false, false)};
  };
  c.grad_inputs = {0, 1, 2};  // dC = 0 * dY
  CheckOp(c, "beta 0");
}

TEST(GemmOp, EmptyInnerDimGivesBetaC) {
  OpCase c;
  c.op = "Gemm";
  c.shapes = {{3, 0}, {0, 5}, {5}};
  c.attrs.Set("beta", 2.0f);
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{
        GemmRef(in[0], in[1], &in[2], 1.0, 2.0, false, false)};
  };
  c.grad_inputs = {0, 1, 2};
  CheckOp(c, "k = 0");
}

void CheckMatMul(const Ints& a, const Ints& b, const std::string& label) {
  OpCase c;
  c.op = "MatMul";
  c.shapes = {a, b};
  c.grad_inputs = {0, 1};
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{MatMulRef(in[0], in[1])};
  };
  CheckOp(c, label);
}

TEST(MatMulOp, NumpySemantics) {
  CheckMatMul({3, 4}, {4, 5}, "2-D");
  CheckMatMul({4}, {4, 5}, "1-D x 2-D");
  CheckMatMul({3, 4}, {4}, "2-D x 1-D");
  CheckMatMul({4}, {4}, "1-D x 1-D");
  CheckMatMul({2, 3, 4, 5}, {5, 6}, "batched x 2-D (folded)");
  CheckMatMul({2, 1, 4, 5}, {3, 5, 6}, "broadcast batch dims");
  CheckMatMul({4, 5}, {2, 5, 3}, "2-D x batched (dA sums batches)");
  CheckMatMul({3, 4}, {2, 1, 4, 2}, "2-D x batched rank 4");
  CheckMatMul({4}, {2, 4, 3}, "1-D x batched");
  CheckMatMul({2, 3, 4}, {4}, "batched x 1-D");
  CheckMatMul({2, 1, 3, 4}, {1, 3, 4, 2}, "both broadcast");
}

TEST(MatMulOp, EmptyInnerDimGivesZeros) {
  CheckMatMul({3, 0}, {0, 4}, "k = 0");
  CheckMatMul({0, 3, 2}, {1, 2, 4}, "zero batch");
}

}  // namespace
}  // namespace quantsim::ops::testing
