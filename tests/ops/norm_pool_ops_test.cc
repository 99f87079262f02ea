// OpCase specs (double references written here, finite-difference
// gradients through autograd) for the normalization and pooling ops.
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "gtest/gtest.h"
#include "tests/ops/op_test_util.h"

namespace quantsim::ops::testing {
namespace {

using Ints = std::vector<int64_t>;

// ---------------------------------------------------------------- pools --

struct PoolSpec {
  Ints k, s, d, pb, pe;
  bool ceil = false;
  bool include_pad = false;
  bool is_max = true;
};

// Independent double reference: every output position, every window tap.
DArray PoolRef(const DArray& x, const PoolSpec& p) {
  const int r = static_cast<int>(p.k.size());
  Ints out_dims = {x.dims[0], x.dims[1]};
  for (int i = 0; i < r; ++i) {
    const int64_t in = x.dims[2 + i];
    const double span = in + p.pb[i] + p.pe[i] - ((p.k[i] - 1) * p.d[i] + 1);
    int64_t o = static_cast<int64_t>(p.ceil ? std::ceil(span / p.s[i])
                                            : std::floor(span / p.s[i])) +
                1;
    // A last window starting inside the end padding is dropped.
    if (p.ceil && (o - 1) * p.s[i] >= in + p.pb[i]) --o;
    out_dims.push_back(o);
  }
  DArray y{out_dims, std::vector<double>(NumElements(out_dims))};
  const Ints xs = Strides(x.dims), ys = Strides(out_dims);
  const int64_t taps = NumElements(p.k);
  for (int64_t oi = 0; oi < y.numel(); ++oi) {
    Ints pos(r + 2);
    for (int i = 0; i < r + 2; ++i) pos[i] = (oi / ys[i]) % out_dims[i];
    double best = -std::numeric_limits<double>::infinity(), sum = 0;
    int64_t count = 0;
    for (int64_t t = 0; t < taps; ++t) {
      int64_t off = pos[0] * xs[0] + pos[1] * xs[1];
      bool inside = true, inside_pad = true;
      int64_t rem = t;
      for (int i = r - 1; i >= 0; --i) {
        const int64_t ki = rem % p.k[i];
        rem /= p.k[i];
        const int64_t at = pos[2 + i] * p.s[i] - p.pb[i] + ki * p.d[i];
        inside = inside && at >= 0 && at < x.dims[2 + i];
        inside_pad = inside_pad && at < x.dims[2 + i] + p.pe[i];
        off += at * xs[2 + i];
      }
      if (p.include_pad ? inside_pad : inside) ++count;
      if (!inside) continue;
      best = std::max(best, x.v[off]);
      sum += x.v[off];
    }
    y.v[oi] = p.is_max ? best : sum / count;
  }
  return y;
}

graph::Attributes PoolAttrs(const PoolSpec& p) {
  Ints pads = p.pb;
  pads.insert(pads.end(), p.pe.begin(), p.pe.end());
  graph::Attributes a{{"kernel_shape", p.k},
                      {"strides", p.s},
                      {"dilations", p.d},
                      {"pads", pads},
                      {"ceil_mode", int64_t{p.ceil}}};
  if (!p.is_max) a.Set("count_include_pad", int64_t{p.include_pad});
  return a;
}

// Rejects values within 4e-3 of one drawn before: no ties (or near ties,
// which finite differences would straddle) anywhere in the input.
std::function<bool(int, double)> DistinctValues() {
  auto seen = std::make_shared<std::set<double>>();
  return [seen](int, double v) {
    auto it = seen->lower_bound(v - 4e-3);
    if (it != seen->end() && *it < v + 4e-3) return true;
    seen->insert(v);
    return false;
  };
}

struct PoolCase {
  std::string label;
  Ints x;
  PoolSpec p;
};

std::vector<PoolCase> PoolCases() {
  return {
      {"1d k3 s2", {2, 3, 11}, {{3}, {2}, {1}, {0}, {0}}},
      {"1d k3 s2 pads ceil", {2, 2, 10}, {{3}, {2}, {1}, {1}, {2}, true}},
      {"1d k2 dil3 pad", {1, 2, 12}, {{2}, {1}, {3}, {2}, {1}}},
      {"2d k2 s2", {2, 3, 6, 8}, {{2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}},
      {"2d k3 s2 pad1", {1, 2, 7, 9}, {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}},
      {"2d k3 s2 ceil asym pads",
       {2, 2, 8, 7},
       {{3, 2}, {2, 3}, {1, 1}, {1, 0}, {0, 1}, true}},
      {"2d k2x3 dil2 pads",
       {1, 3, 9, 10},
       {{2, 3}, {1, 2}, {2, 2}, {1, 2}, {1, 1}}},
      {"2d ceil dil",
       {1, 2, 9, 9},
       {{3, 3}, {2, 2}, {2, 1}, {0, 1}, {1, 1}, true}},
      {"3d k2 s2",
       {1, 2, 4, 6, 5},
       {{2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {0, 0, 1}}},
      {"3d k3 pad ceil dil",
       {1, 2, 6, 5, 7},
       {{3, 2, 3}, {2, 1, 3}, {1, 2, 1}, {1, 1, 1}, {1, 0, 2}, true}},
  };
}

TEST(PoolOps, MaxPool) {
  for (const PoolCase& pc : PoolCases()) {
    OpCase c;
    c.op = "MaxPool";
    c.shapes = {pc.x};
    PoolSpec p = pc.p;
    p.is_max = true;
    c.attrs = PoolAttrs(p);
    c.reference = [p](const std::vector<DArray>& in) {
      return std::vector<DArray>{PoolRef(in[0], p)};
    };
    c.fwd_rtol = 0;
    c.fwd_atol = 0;  // max is exact
    c.grad_inputs = {0};
    c.near_kink = DistinctValues();
    CheckOp(c, "MaxPool " + pc.label);
  }
}

TEST(PoolOps, AveragePool) {
  for (bool include_pad : {false, true}) {
    for (const PoolCase& pc : PoolCases()) {
      OpCase c;
      c.op = "AveragePool";
      c.shapes = {pc.x};
      PoolSpec p = pc.p;
      p.is_max = false;
      p.include_pad = include_pad;
      c.attrs = PoolAttrs(p);
      c.reference = [p](const std::vector<DArray>& in) {
        return std::vector<DArray>{PoolRef(in[0], p)};
      };
      c.grad_inputs = {0};
      CheckOp(c, "AveragePool " + pc.label +
                     (include_pad ? " count_include_pad" : ""));
    }
  }
}

// auto_pad SAME_UPPER / SAME_LOWER / VALID as explicit pads (hand-derived:
// in 7, k 3, s 2 -> out 4, total pad 2 -> (1, 1); in 8, k 2, s 2 -> out 4,
// total 0; in 6, k 4, s 1 -> out 6, total 3 -> UPPER (1, 2), LOWER (2, 1)).
TEST(PoolOps, AutoPad) {
  struct AP {
    std::string mode;
    Ints k, s, pb, pe;
  };
  for (const AP& ap :
       std::vector<AP>{{"SAME_UPPER", {3, 4}, {2, 1}, {1, 1}, {1, 2}},
                       {"SAME_LOWER", {3, 4}, {2, 1}, {1, 2}, {1, 1}},
                       {"VALID", {3, 4}, {2, 1}, {0, 0}, {0, 0}}}) {
    for (bool is_max : {true, false}) {
      OpCase c;
      c.op = is_max ? "MaxPool" : "AveragePool";
      c.shapes = {{1, 2, 7, 6}};
      c.attrs = graph::Attributes{
          {"kernel_shape", ap.k}, {"strides", ap.s}, {"auto_pad", ap.mode}};
      PoolSpec p{ap.k, ap.s, {1, 1}, ap.pb, ap.pe};
      p.is_max = is_max;
      c.reference = [p](const std::vector<DArray>& in) {
        return std::vector<DArray>{PoolRef(in[0], p)};
      };
      CheckOp(c, c.op + " " + ap.mode);
    }
  }
}

TEST(PoolOps, GlobalPools) {
  for (const Ints& x :
       std::vector<Ints>{{2, 3, 7}, {2, 3, 4, 5}, {1, 2, 3, 4, 2}}) {
    for (bool is_max : {false, true}) {
      OpCase c;
      c.op = is_max ? "GlobalMaxPool" : "GlobalAveragePool";
      c.shapes = {x};
      c.reference = [is_max](const std::vector<DArray>& in) {
        const DArray& a = in[0];
        Ints od = a.dims;
        for (size_t i = 2; i < od.size(); ++i) od[i] = 1;
        DArray y{od, std::vector<double>(NumElements(od))};
        const int64_t S = a.numel() / y.numel();
        for (int64_t pl = 0; pl < y.numel(); ++pl) {
          double m = -std::numeric_limits<double>::infinity(), s = 0;
          for (int64_t i = 0; i < S; ++i) {
            m = std::max(m, a.v[pl * S + i]);
            s += a.v[pl * S + i];
          }
          y.v[pl] = is_max ? m : s / S;
        }
        return std::vector<DArray>{y};
      };
      c.grad_inputs = {0};
      if (is_max) c.near_kink = DistinctValues();
      CheckOp(c, c.op + " rank " + std::to_string(x.size()));
    }
  }
}

// -------------------------------------------------------------- norms ---

// Normalizes x viewed as [rows, len]; param index of (row, j) by `pidx`.
template <typename P>
std::vector<DArray> RowNormRef(const std::vector<DArray>& in, int64_t rows,
                               double eps, P pidx, bool has_bias,
                               const Ints& stat_dims) {
  const DArray& x = in[0];
  const int64_t len = x.numel() / rows;
  DArray y{x.dims, std::vector<double>(x.numel())};
  DArray mean{stat_dims, std::vector<double>(rows)};
  DArray inv{stat_dims, std::vector<double>(rows)};
  for (int64_t r = 0; r < rows; ++r) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < len; ++j) m += x.v[r * len + j];
    m /= len;
    for (int64_t j = 0; j < len; ++j) {
      v += (x.v[r * len + j] - m) * (x.v[r * len + j] - m);
    }
    v /= len;
    mean.v[r] = m;
    inv.v[r] = 1 / std::sqrt(v + eps);
    for (int64_t j = 0; j < len; ++j) {
      const int64_t p = pidx(r, j);
      y.v[r * len + j] = (x.v[r * len + j] - m) * inv.v[r] * in[1].v[p] +
                         (has_bias ? in[2].v[p] : 0.0);
    }
  }
  return {y, mean, inv};
}

TEST(NormOps, LayerNormalization) {
  struct LC {
    Ints x;
    int64_t axis;
    bool bias;
    int outs;
  };
  for (const LC& lc : std::vector<LC>{{{4, 7}, -1, true, 1},
                                      {{2, 3, 5}, -1, true, 3},
                                      {{2, 3, 5}, -2, true, 1},
                                      {{2, 3, 5}, 1, false, 3},
                                      {{3, 2, 2, 4}, 2, true, 1}}) {
    OpCase c;
    c.op = "LayerNormalization";
    const int r = static_cast<int>(lc.x.size());
    const int axis = static_cast<int>(lc.axis < 0 ? lc.axis + r : lc.axis);
    const Ints norm(lc.x.begin() + axis, lc.x.end());
    c.shapes = {lc.x, norm};
    if (lc.bias) c.shapes.push_back(norm);
    c.attrs = graph::Attributes{{"axis", lc.axis}, {"epsilon", 1e-3f}};
    c.num_outputs = lc.outs;
    const int64_t inner = NumElements(norm);
    Ints sd = lc.x;
    for (int i = axis; i < r; ++i) sd[i] = 1;
    const bool bias = lc.bias;
    const int outs = lc.outs;
    c.reference = [=](const std::vector<DArray>& in) {
      auto all = RowNormRef(
          in, in[0].numel() / inner, 1e-3,
          [=](int64_t, int64_t j) { return j; }, bias, sd);
      all.resize(outs);
      return all;
    };
    if (lc.outs == 1) {
      c.grad_inputs = {0, 1};
      if (lc.bias) c.grad_inputs.push_back(2);
    }
    CheckOp(c, "LayerNorm x rank " + std::to_string(r) + " axis " +
                   std::to_string(lc.axis));
  }
}

TEST(NormOps, GroupAndInstanceNormalization) {
  const Ints x = {2, 6, 3, 4};
  const int64_t C = 6, S = 12;
  for (int64_t G : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{6}}) {
    for (bool instance : {false, true}) {
      if (instance && G != C) continue;
      OpCase c;
      c.op = instance ? "InstanceNormalization" : "GroupNormalization";
      c.shapes = {x, {C}, {C}};
      c.attrs = graph::Attributes{{"epsilon", 1e-4f}};
      if (!instance) c.attrs.Set("num_groups", G);
      c.reference = [=](const std::vector<DArray>& in) {
        const int64_t per = C / G;
        auto all = RowNormRef(
            in, 2 * G, 1e-4,
            [=](int64_t r, int64_t j) { return (r % G) * per + j / S; }, true,
            {2 * G});
        return std::vector<DArray>{all[0]};
      };
      c.grad_inputs = {0, 1, 2};
      CheckOp(c, c.op + " G=" + std::to_string(G));
    }
  }
  OpCase c;  // 1-d spatial, 3-d spatial
  c.op = "GroupNormalization";
  c.shapes = {{3, 4, 2, 3, 2}, {4}, {4}};
  c.attrs = graph::Attributes{{"num_groups", int64_t{2}}};
  c.reference = [](const std::vector<DArray>& in) {
    auto all = RowNormRef(
        in, 6, 1e-5, [](int64_t r, int64_t j) { return (r % 2) * 2 + j / 12; },
        true, {6});
    return std::vector<DArray>{all[0]};
  };
  c.grad_inputs = {0, 1, 2};
  CheckOp(c, "GroupNorm 3d spatial");
}

// BatchNormalization reference: given statistics, or batch statistics
// (biased variance) with the ONNX running-stat update.
std::vector<DArray> BnRef(const std::vector<DArray>& in, bool batch, double eps,
                          double momentum) {
  const DArray& x = in[0];
  const int64_t N = x.dims[0], C = x.dims[1], S = x.numel() / (N * C);
  DArray y{x.dims, std::vector<double>(x.numel())};
  DArray rm{{C}, std::vector<double>(C)}, rv{{C}, std::vector<double>(C)};
  for (int64_t c = 0; c < C; ++c) {
    double m = in[3].v[c], v = in[4].v[c];
    if (batch) {
      double s = 0, q = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < S; ++i) s += x.v[(n * C + c) * S + i];
      m = s / (N * S);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < S; ++i) {
          const double d = x.v[(n * C + c) * S + i] - m;
          q += d * d;
        }
      v = q / (N * S);
    }
    rm.v[c] = momentum * in[3].v[c] + (1 - momentum) * m;
    rv.v[c] = momentum * in[4].v[c] + (1 - momentum) * v;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t k = (n * C + c) * S + i;
        y.v[k] = (x.v[k] - m) / std::sqrt(v + eps) * in[1].v[c] + in[2].v[c];
      }
  }
  return {y, rm, rv};
}

TEST(NormOps, BatchNormalizationInference) {
  for (const Ints& x : std::vector<Ints>{{3, 4}, {2, 3, 5}, {2, 3, 2, 3}}) {
    OpCase c;
    c.op = "BatchNormalization";
    const int64_t C = x[1];
    c.shapes = {x, {C}, {C}, {C}, {C}};
    c.attrs = graph::Attributes{{"epsilon", 1e-3f}};
    c.lo = 0.2f;  // input_var > 0
    c.reference = [](const std::vector<DArray>& in) {
      return std::vector<DArray>{BnRef(in, false, 1e-3, 0.9)[0]};
    };
    c.grad_inputs = {0, 1, 2, 3, 4};
    CheckOp(c, "BN inference rank " + std::to_string(x.size()));
  }
}

TEST(NormOps, BatchNormalizationTrainingMode) {
  for (const Ints& x : std::vector<Ints>{{5, 3}, {2, 3, 5}, {3, 2, 2, 3}}) {
    for (int outs : {3, 1}) {
      OpCase c;
      c.op = "BatchNormalization";
      const int64_t C = x[1];
      c.shapes = {x, {C}, {C}, {C}, {C}};
      c.attrs = graph::Attributes{{"epsilon", 1e-3f},
                                  {"momentum", 0.8f},
                                  {"training_mode", int64_t{1}}};
      c.num_outputs = outs;
      c.lo = 0.2f;
      c.reference = [outs](const std::vector<DArray>& in) {
        auto all = BnRef(in, true, 1e-3, 0.8);
        all.resize(outs);
        return all;
      };
      if (outs == 1) c.grad_inputs = {0, 1, 2};
      CheckOp(c, "BN training_mode rank " + std::to_string(x.size()) +
                     " outputs " + std::to_string(outs));
    }
  }
}

}  // namespace
}  // namespace quantsim::ops::testing
