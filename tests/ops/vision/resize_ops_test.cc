// Resize (nearest / linear / cubic) and DepthToSpace / SpaceToDepth through
// the OpCase harness: values against direct double references (2-d
// formulas, not the op's separable passes) and gradients against finite
// differences of those references.
#include <cmath>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using engine::Shape;
using engine::Tensor;

Tensor F32(const Shape& s, const std::vector<float>& v) {
  return Tensor::FromVector<float>(s, v).value();
}
Tensor I64(const std::vector<int64_t>& v) {
  return Tensor::FromVector<int64_t>(Shape({static_cast<int64_t>(v.size())}), v)
      .value();
}

// 1-d taps of one output coordinate (double precision).
struct Taps {
  std::vector<int64_t> idx;
  std::vector<double> w;
};

enum class Mode { kNearestFloor, kLinear, kCubic };

Taps Coord(Mode mode, double o, int64_t in) {
  auto clamp = [&](int64_t v) {
    return std::min<int64_t>(std::max<int64_t>(v, 0), in - 1);
  };
  Taps t;
  if (mode == Mode::kNearestFloor) {
    t.idx = {clamp(static_cast<int64_t>(std::floor(o)))};
    t.w = {1.0};
  } else if (mode == Mode::kLinear) {
    const double oc = std::min(std::max(o, 0.0), in - 1.0);
    const int64_t i0 = static_cast<int64_t>(std::floor(oc));
    t.idx = {i0, clamp(i0 + 1)};
    t.w = {1.0 - (oc - i0), oc - i0};
  } else {  // cubic, a = -0.75, edge clamped
    const double a = -0.75, fl = std::floor(o), s = o - fl;
    auto k = [&](double x) {
      x = std::fabs(x);
      if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
      return 0.0;
    };
    for (int j = -1; j <= 2; ++j) {
      t.idx.push_back(clamp(static_cast<int64_t>(fl) + j));
      t.w.push_back(k(s - j));
    }
  }
  return t;
}

// y[n, c, i, j] = sum_ab wh_a ww_b x[n, c, ih_a, iw_b]; `coord` maps an
// output index to the input coordinate per spatial axis.
DArray Resize2d(const DArray& x, int64_t oh, int64_t ow, Mode mode,
                const std::function<double(int, int64_t)>& coord) {
  const int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  DArray y{{n, c, oh, ow}, {}};
  for (int64_t p = 0; p < n * c; ++p) {
    for (int64_t i = 0; i < oh; ++i) {
      const Taps th = Coord(mode, coord(0, i), h);
      for (int64_t j = 0; j < ow; ++j) {
        const Taps tw = Coord(mode, coord(1, j), w);
        double s = 0;
        for (size_t a = 0; a < th.idx.size(); ++a) {
          for (size_t b = 0; b < tw.idx.size(); ++b) {
            s += th.w[a] * tw.w[b] * x.v[(p * h + th.idx[a]) * w + tw.idx[b]];
          }
        }
        y.v.push_back(s);
      }
    }
  }
  return y;
}

TEST(Resize, LinearHalfPixelScalesWithGradient) {
  OpCase c;
  c.op = "Resize";
  c.shapes = {{1, 2, 3, 4}};
  c.constants = {std::nullopt, F32({4}, {1.0f, 1.0f, 2.0f, 1.5f})};
  c.attrs.Set("mode", std::string("linear"));
  c.reference = [](const std::vector<DArray>& in) {
    const double s[2] = {2.0, 1.5};
    return std::vector<DArray>{
        Resize2d(in[0], 6, 6, Mode::kLinear,
                 [&](int d, int64_t i) { return (i + 0.5) / s[d] - 0.5; })};
  };
  c.grad_inputs = {0};
  CheckOp(c, "linear half_pixel x2 x1.5");
}

TEST(Resize, LinearAlignCornersDownsampleSizes) {
  OpCase c;
  c.op = "Resize";
  c.shapes = {{2, 1, 5, 7}};
  c.constants = {std::nullopt, std::nullopt, I64({2, 1, 3, 4})};
  c.attrs.Set("mode", std::string("linear"));
  c.attrs.Set("coordinate_transformation_mode", std::string("align_corners"));
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{
        Resize2d(in[0], 3, 4, Mode::kLinear, [](int d, int64_t i) {
          return d == 0 ? i * 4.0 / 2.0 : i * 6.0 / 3.0;
        })};
  };
  c.grad_inputs = {0};
  CheckOp(c, "linear align_corners sizes");
}

TEST(Resize, NearestAsymmetricFloorWithGradient) {
  OpCase c;
  c.op = "Resize";
  c.shapes = {{1, 3, 4, 3}};
  c.constants = {std::nullopt, F32({4}, {1.0f, 1.0f, 1.5f, 2.0f})};
  c.attrs.Set("mode", std::string("nearest"));
  c.attrs.Set("coordinate_transformation_mode", std::string("asymmetric"));
  c.attrs.Set("nearest_mode", std::string("floor"));
  c.reference = [](const std::vector<DArray>& in) {
    const double s[2] = {1.5, 2.0};
    return std::vector<DArray>{
        Resize2d(in[0], 6, 6, Mode::kNearestFloor,
                 [&](int d, int64_t i) { return i / s[d]; })};
  };
  c.grad_inputs = {0};
  CheckOp(c, "nearest asymmetric floor");
}

TEST(Resize, CubicHalfPixelWithGradient) {
  OpCase c;
  c.op = "Resize";
  c.shapes = {{1, 1, 4, 5}};
  c.constants = {std::nullopt, F32({4}, {1.0f, 1.0f, 2.0f, 0.8f})};
  c.attrs.Set("mode", std::string("cubic"));
  c.reference = [](const std::vector<DArray>& in) {
    const double s[2] = {2.0, 0.8};
    return std::vector<DArray>{
        Resize2d(in[0], 8, 4, Mode::kCubic,
                 [&](int d, int64_t i) { return (i + 0.5) / s[d] - 0.5; })};
  };
  c.fwd_rtol = 1e-5;
  c.fwd_atol = 2e-6;
  c.grad_inputs = {0};
  CheckOp(c, "cubic half_pixel");
}

// DepthToSpace DCR/CRD and SpaceToDepth by their index formulas.
DArray D2S(const DArray& x, int64_t b, bool crd) {
  const int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  const int64_t cp = c / (b * b);
  DArray y{{n, cp, h * b, w * b}, {}};
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < cp; ++oc)
      for (int64_t oh = 0; oh < h * b; ++oh)
        for (int64_t ow = 0; ow < w * b; ++ow) {
          const int64_t i = oh % b, j = ow % b;
          const int64_t ch =
              crd ? oc * b * b + i * b + j : (i * b + j) * cp + oc;
          y.v.push_back(x.v[((in * c + ch) * h + oh / b) * w + ow / b]);
        }
  return y;
}

DArray S2D(const DArray& x, int64_t b) {
  const int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  DArray y{{n, c * b * b, h / b, w / b}, {}};
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < c * b * b; ++oc)
      for (int64_t oh = 0; oh < h / b; ++oh)
        for (int64_t ow = 0; ow < w / b; ++ow) {
          const int64_t blk = oc / c, ch = oc % c;
          const int64_t i = blk / b, j = blk % b;
          y.v.push_back(x.v[((in * c + ch) * h + oh * b + i) * w + ow * b + j]);
        }
  return y;
}

TEST(DepthToSpace, DcrAndCrdWithGradients) {
  for (bool crd : {false, true}) {
    OpCase c;
    c.op = "DepthToSpace";
    c.shapes = {{2, 8, 2, 3}};
    c.attrs.Set("blocksize", int64_t{2});
    if (crd) c.attrs.Set("mode", std::string("CRD"));
    c.reference = [crd](const std::vector<DArray>& in) {
      return std::vector<DArray>{D2S(in[0], 2, crd)};
    };
    c.fwd_rtol = c.fwd_atol = 0;
    c.grad_inputs = {0};
    CheckOp(c, crd ? "CRD" : "DCR");
  }
}

TEST(SpaceToDepth, ValuesAndGradient) {
  OpCase c;
  c.op = "SpaceToDepth";
  c.shapes = {{2, 3, 4, 6}};
  c.attrs.Set("blocksize", int64_t{2});
  c.reference = [](const std::vector<DArray>& in) {
    return std::vector<DArray>{S2D(in[0], 2)};
  };
  c.fwd_rtol = c.fwd_atol = 0;
  c.grad_inputs = {0};
  CheckOp(c, "S2D");
}

}  // namespace
}  // namespace quantsim::ops::testing
