#include "kernels/cpu/logic/index_plan.h"

#include <cassert>

namespace quantsim::kernels {

int64_t BroadcastPlan::rows() const {
  int64_t n = 1;
  for (size_t i = 0; i + 1 < out_dims.size(); ++i) n *= out_dims[i];
  return n;
}

BroadcastPlan MakeBroadcastPlan(const std::vector<int64_t>& out_dims,
                                const std::vector<std::vector<int64_t>>& ins) {
  BroadcastPlan p;
  p.out_dims = out_dims;
  const int r = static_cast<int>(out_dims.size());
  for (const std::vector<int64_t>& in : ins) {
    const int ir = static_cast<int>(in.size());
    assert(ir <= r);
    std::vector<int64_t> s(r, 0);
    int64_t stride = 1;
    for (int i = ir - 1; i >= 0; --i) {
      const int o = i + r - ir;
      assert(in[i] == out_dims[o] || in[i] == 1);
      s[o] = in[i] == 1 ? 0 : stride;
      stride *= in[i];
    }
    p.strides.push_back(std::move(s));
  }
  return p;
}

void BroadcastRowOffsets(const BroadcastPlan& p, int64_t row, int64_t* offs) {
  const size_t n_in = p.strides.size();
  for (size_t k = 0; k < n_in; ++k) offs[k] = 0;
  for (int i = static_cast<int>(p.out_dims.size()) - 2; i >= 0; --i) {
    const int64_t d = p.out_dims[i];
    const int64_t idx = row % d;
    row /= d;
    for (size_t k = 0; k < n_in; ++k) offs[k] += idx * p.strides[k][i];
  }
}

int64_t ReducePlan::num_outputs() const {
  int64_t n = 1;
  for (int64_t d : kept_dims) n *= d;
  return n;
}

int64_t ReducePlan::Base(int64_t o) const {
  int64_t base = 0;
  for (int i = static_cast<int>(kept_dims.size()) - 1; i >= 0; --i) {
    base += (o % kept_dims[i]) * kept_strides[i];
    o /= kept_dims[i];
  }
  return base;
}

ReducePlan MakeReducePlan(const std::vector<int64_t>& dims,
                          const std::vector<int>& axes) {
  ReducePlan p;
  const int r = static_cast<int>(dims.size());
  std::vector<int64_t> strides(r, 1);
  for (int i = r - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  std::vector<bool> reduced(r, false);
  for (int a : axes) reduced[a] = true;
  std::vector<int64_t> rdims, rstrides;
  for (int i = 0; i < r; ++i) {
    if (reduced[i]) {
      rdims.push_back(dims[i]);
      rstrides.push_back(strides[i]);
    } else {
      p.kept_dims.push_back(dims[i]);
      p.kept_strides.push_back(strides[i]);
    }
  }
  int64_t n = 1;
  for (int64_t d : rdims) n *= d;
  p.offsets.resize(n);
  for (int64_t j = 0; j < n; ++j) {
    int64_t rem = j, off = 0;
    for (int i = static_cast<int>(rdims.size()) - 1; i >= 0; --i) {
      off += (rem % rdims[i]) * rstrides[i];
      rem /= rdims[i];
    }
    p.offsets[j] = off;
  }
  return p;
}

}  // namespace quantsim::kernels
