// Test-only helpers for data-movement op tests: integer constants and a
// double reference that picks elements by per-axis index lists.
#ifndef QUANTSIM_TESTS_OPS_DATA_REF_H_
#define QUANTSIM_TESTS_OPS_DATA_REF_H_

#include <cstdint>
#include <vector>

#include "engine/tensor.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {

inline engine::Tensor I64(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return engine::Tensor::FromVector(engine::Shape({n}), v).value();
}

inline engine::Tensor I32(std::vector<int32_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return engine::Tensor::FromVector(engine::Shape({n}), v).value();
}

// y[i_0, .., i_r-1] = x[idx[0][i_0], .., idx[r-1][i_r-1]], or `fill` when
// any index is -1 (padding).
inline DArray PickRef(const DArray& x,
                      const std::vector<std::vector<int64_t>>& idx,
                      double fill = 0.0) {
  DArray y;
  for (const auto& v : idx) y.dims.push_back(static_cast<int64_t>(v.size()));
  y.v.assign(NumElements(y.dims), 0.0);
  const std::vector<int64_t> xs = Strides(x.dims), ys = Strides(y.dims);
  for (int64_t n = 0; n < y.numel(); ++n) {
    int64_t off = 0;
    bool pad = false;
    for (size_t a = 0; a < y.dims.size(); ++a) {
      const int64_t s = idx[a][(n / ys[a]) % y.dims[a]];
      if (s < 0) pad = true;
      off += s * xs[a];
    }
    y.v[n] = pad ? fill : x.v[off];
  }
  return y;
}

inline std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace quantsim::ops::testing

#endif  // QUANTSIM_TESTS_OPS_DATA_REF_H_
