// Pad: constant (with negative pads and an axes input), reflect (also
// wider than the axis), edge and wrap modes against a double reference,
// gradients (PadGrad) through the harness.
#include <string>

#include "gtest/gtest.h"
#include "tests/ops/data_ref.h"

namespace quantsim::ops::testing {
namespace {

using engine::Shape;
using engine::Tensor;

// Index along an axis of size d read by padded position s (-1 = value).
int64_t PadSource(int64_t s, int64_t d, const std::string& mode) {
  if (s >= 0 && s < d) return s;
  if (mode == "constant") return -1;
  if (mode == "edge") return s < 0 ? 0 : d - 1;
  if (mode == "wrap") {
    while (s < 0) s += d;
    return s % d;
  }
  while (s < 0 || s >= d) {  // reflect, repeatedly
    if (s < 0) s = -s;
    if (s >= d) s = 2 * (d - 1) - s;
  }
  return s;
}

TEST(DataOps, Pad) {
  struct P {
    std::string mode;
    std::vector<int64_t> dims, pads;
    std::optional<std::vector<int64_t>> axes;
  };
  for (const P& p : std::vector<P>{
           {"constant", {3, 4}, {1, 0, 2, 3}, {}},
           {"constant", {3, 5}, {-1, 2, 0, -2}, {}},  // negative pads crop
           {"reflect", {3, 5}, {2, 4, 1, 3}, {}},
           {"reflect", {2, 3}, {0, 5, 0, 4}, {}},  // wider than the axis
           {"edge", {2, 3, 4}, {1, 0, 2, 0, 3, 1}, {}},
           {"wrap", {3, 4}, {2, 1, 1, 5}, {}},
           {"constant",
            {2, 3, 4},
            {1, 2, 0, 1},
            std::vector<int64_t>{-1, 0}}}) {
    OpCase c;
    c.op = "Pad";
    c.shapes = {p.dims};
    c.attrs.Set("mode", p.mode);
    const float value = p.mode == "constant" ? 1.5f : 0.0f;
    c.constants = {I64(p.pads),
                   Tensor::FromVector<float>(Shape(), {value}).value()};
    if (p.axes) c.constants.push_back(I64(*p.axes));
    c.reference = [p, value](const std::vector<DArray>& in) {
      const int r = static_cast<int>(p.dims.size());
      std::vector<int64_t> axes = p.axes ? *p.axes : Iota(r);
      const int n = static_cast<int>(axes.size());
      std::vector<std::vector<int64_t>> idx;
      for (int a = 0; a < r; ++a) {
        int64_t b = 0, e = 0;
        for (int i = 0; i < n; ++i) {
          if ((axes[i] + r) % r == a) b = p.pads[i], e = p.pads[n + i];
        }
        idx.emplace_back();
        for (int64_t o = 0; o < p.dims[a] + b + e; ++o) {
          idx[a].push_back(PadSource(o - b, p.dims[a], p.mode));
        }
      }
      return std::vector<DArray>{PickRef(in[0], idx, value)};
    };
    c.grad_inputs = {0};
    CheckOp(c, "pad " + p.mode);
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
