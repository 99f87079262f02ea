#include "gtest/gtest.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

std::vector<DArray> IdentityRef(const std::vector<DArray>& in) {
  return {in[0]};
}

TEST(Ops, Identity) {
  OpCase c;
  c.op = "Identity";
  c.shapes = {{2, 3, 5}};
  c.reference = IdentityRef;
  c.grad_inputs = {0};
  CheckOp(c, "identity");
}

// SumToShape reduces over broadcast axes (numpy rules).
std::vector<DArray> SumToRef(const std::vector<DArray>& in) {
  const DArray& x = in[0];
  const DArray& like = in[1];
  DArray y{like.dims, std::vector<double>(like.numel(), 0.0)};
  const int r = static_cast<int>(x.dims.size());
  const int off = r - static_cast<int>(like.dims.size());
  const auto xs = Strides(x.dims);
  const auto ys = Strides(like.dims);
  for (int64_t n = 0; n < x.numel(); ++n) {
    int64_t o = 0;
    for (int i = off; i < r; ++i) {
      const int64_t idx = (n / xs[i]) % x.dims[i];
      if (like.dims[i - off] != 1) o += idx * ys[i - off];
    }
    y.v[o] += x.v[n];
  }
  return {y};
}

TEST(Ops, SumToShape) {
  for (auto like : std::vector<std::vector<int64_t>>{
           {4, 1, 5}, {1, 4, 1, 1}, {5}, {2, 4, 3, 5}, {3, 1}}) {
    OpCase c;
    c.op = "SumToShape";
    c.shapes = {{2, 4, 3, 5}, like};
    c.reference = SumToRef;
    CheckOp(c, "like rank " + std::to_string(like.size()));
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
