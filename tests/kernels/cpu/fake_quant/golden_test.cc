// Golden data: torch per-channel fake quant and AIMET libpymo QDQ outputs.
#include "tests/testing/golden.h"

#include <math.h>
#include <rapidjson/document.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/fake_quant.h"

namespace quantsim::kernels {
namespace {

uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

using NpyFloat = ::quantsim::testing::F32Array;

NpyFloat LoadNpy(const std::string& rel) {
  NpyFloat out;
  std::string error;
  EXPECT_TRUE(::quantsim::testing::ReadF32Npy(rel, &out, &error)) << error;
  return out;
}

rapidjson::Document LoadJson(const std::string& path) {
  rapidjson::Document d;
  EXPECT_TRUE(::quantsim::testing::ReadJsonFullPrecision(path, &d)) << path;
  return d;
}

// torch.fake_quantize_per_channel_affine rounds half to even of x * (1/s);
// we divide. Equal except where x/s and x*(1/s) fall on different sides of
// (or on) a .5 tie, which moves the output by exactly one step.
TEST(TorchGolden, PerChannelAxis0) {
  const NpyFloat w = LoadNpy("tests/data/torch_qdq/pc_w.npy");
  const NpyFloat s = LoadNpy("tests/data/torch_qdq/pc_scale.npy");
  const NpyFloat wq = LoadNpy("tests/data/torch_qdq/pc_wq.npy");
  ASSERT_EQ(w.shape, (std::vector<int64_t>{4, 3, 3, 3}));
  ASSERT_EQ(s.data.size(), 4u);
  QdqLayout l;
  l.axis = 4;
  l.inner = 27;
  std::vector<QdqParam> params;
  for (float sc : s.data) params.push_back(MakeQdqParam(sc, 0, -128, 127));
  QdqConfig c;  // int8, kHalfToEven
  ASSERT_TRUE(CheckQdqArgs(l, params.data(), 4, c).ok());
  for (engine::Isa isa : engine::SupportedIsas()) {
    std::vector<float> y(w.data.size());
    FakeQuantize(w.data.data(), y.data(), nullptr, l, params.data(), c, nullptr,
                 isa);
    int differing = 0;
    for (size_t k = 0; k < y.size(); ++k) {
      if (Bits(y[k]) == Bits(wq.data[k])) continue;
      ++differing;
      const float sc = s.data[k / 27];
      const float mul = w.data[k] * (1.0f / sc), div = w.data[k] / sc;
      // One of the two quotients is an exact tie or they straddle one.
      const float tie = floorf(div) + 0.5f;
      EXPECT_TRUE(mul == tie || div == tie || (mul - tie) * (div - tie) < 0)
          << "element " << k << " x*(1/s)=" << mul << " x/s=" << div;
      EXPECT_EQ(fabsf(y[k] - wq.data[k]), sc) << "element " << k;
    }
    EXPECT_LE(differing, 2) << engine::IsaName(isa);
  }
}

// libpymo TensorQuantizationSim's re-derivation (spec §1.4), in double.
struct Encoding {
  double min, max, delta, offset;
};

Encoding Rederive(double min, double max, int bw) {
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  max = std::max(max, min + 1e-5);
  double n = pow(2.0, bw) - 1.0;
  if (min == -max) n -= 1.0;
  Encoding e;
  e.delta = (max - min) / n;
  e.offset = round(min / e.delta);
  e.min = e.offset * e.delta;
  e.max = n * e.delta + e.min;
  return e;
}

QdqParam ToParam(const Encoding& e) {
  QdqParam p;
  p.scale = static_cast<float>(e.delta);
  p.zero_point = -static_cast<float>(e.offset);
  p.clip_lo = static_cast<float>(e.min);
  p.clip_hi = static_cast<float>(e.max);
  return p;
}

// libpymo quantizeDequantize<double>: clamp, divide, subtract the offset,
// round half away, dequantize, all in double; the golden row is its float
// cast.
float LibpymoDouble(float xf, const Encoding& e) {
  double x = xf;
  x = x >= e.min ? (x <= e.max ? x : e.max) : (x < e.min ? e.min : e.max);
  const double q = round(x / e.delta - e.offset);
  return static_cast<float>(e.delta * (q + e.offset));
}

// Runs every case of a libpymo golden file: float-kernel rows must match bit
// for bit; double-kernel rows are checked against LibpymoDouble and may
// differ from our float kernel only where float and double round apart.
void CheckLibpymoFile(const std::string& json, const std::string& input,
                      const std::string& outputs, int want_float_cases,
                      int max_double_only_diffs) {
  int float_cases = 0, double_only_diffs = 0;
  const rapidjson::Document d = LoadJson(json);
  const NpyFloat x = LoadNpy(input);
  const NpyFloat want = LoadNpy(outputs);
  const auto& cases = d["cases"];
  ASSERT_EQ(want.shape.size(), 2u);
  ASSERT_EQ(want.shape[0], static_cast<int64_t>(cases.Size()));
  const int64_t n = want.shape[1];
  ASSERT_EQ(static_cast<int64_t>(x.data.size()), n);
  for (const auto& cs : cases.GetArray()) {
    const std::string name = cs["name"].GetString();
    const int row = cs["row"].GetInt();
    const auto& in = cs["encoding_in"];
    const auto& used = cs["encoding_used_by_kernel"];
    const int bw = in["bw"].GetInt();
    Encoding e;
    if (std::string(cs["path"].GetString()) == "A") {
      // TensorQuantizer gets only (min, max, bw) and re-derives.
      e = Rederive(in["min"].GetDouble(), in["max"].GetDouble(), bw);
    } else {
      // quantizeDequantize(encoding): uses the encoding as given.
      e = {in["min"].GetDouble(), in["max"].GetDouble(),
           in["delta"].GetDouble(), in["offset"].GetDouble()};
    }
    EXPECT_EQ(e.min, used["min"].GetDouble()) << name;
    EXPECT_EQ(e.max, used["max"].GetDouble()) << name;
    EXPECT_EQ(e.delta, used["delta"].GetDouble()) << name;
    EXPECT_EQ(e.offset, used["offset"].GetDouble()) << name;
    const QdqParam p = ToParam(e);
    QdqConfig c;
    c.rounding = RoundingMode::kHalfAwayFromZero;
    c.qmin = 0;
    c.qmax = static_cast<float>(pow(2.0, bw) - 1);
    ASSERT_TRUE(CheckQdqArgs(PerTensorLayout(n), &p, 1, c).ok()) << name;
    const bool is_double = cs.HasMember("dtype") &&
                           std::string(cs["dtype"].GetString()) == "double";
    if (!is_double) ++float_cases;
    for (engine::Isa isa : engine::SupportedIsas()) {
      std::vector<float> y(n);
      FakeQuantize(x.data.data(), y.data(), nullptr, PerTensorLayout(n), &p, c,
                   nullptr, isa);
      int mismatches = 0;
      for (int64_t k = 0; k < n; ++k) {
        const float golden = want.data[row * n + k];
        if (is_double) {
          // libpymo's double kernel: the same formula in double, then cast
          // to float. Our float kernel can only differ from it where double
          // and float arithmetic round differently (x/delta near a tie).
          EXPECT_EQ(Bits(LibpymoDouble(x.data[k], e)), Bits(golden))
              << name << " double reference, element " << k;
          if (Bits(y[k]) != Bits(golden)) {
            ++double_only_diffs;
            EXPECT_NE(Bits(LibpymoDouble(x.data[k], e)),
                      Bits(FakeQuantValue(x.data[k], p, c, k)));
          }
          continue;
        }
        if (Bits(y[k]) != Bits(golden)) {
          if (++mismatches <= 3) {
            ADD_FAILURE() << name << " isa=" << engine::IsaName(isa)
                          << " element " << k << " x=" << x.data[k] << " got "
                          << y[k] << " want " << golden;
          }
        }
      }
      EXPECT_EQ(mismatches, 0) << name;
    }
  }
  EXPECT_EQ(float_cases, want_float_cases);
  EXPECT_LE(double_only_diffs, max_double_only_diffs);
}

TEST(LibpymoGolden, HandValues) {
  CheckLibpymoFile("tests/data/libpymo_qdq/qdq_hand_values.json",
                   "tests/data/libpymo_qdq/qdq_hand_values_input.npy",
                   "tests/data/libpymo_qdq/qdq_hand_values_outputs.npy",
                   /*want_float_cases=*/14,
                   /*max_double_only_diffs=*/2 * 4 /*isas*/);
}

TEST(LibpymoGolden, NormalBatch0) {
  CheckLibpymoFile("tests/data/libpymo_qdq/qdq_normal_batch0.json",
                   "tests/data/libpymo_qdq/input_normal_row0.npy",
                   "tests/data/libpymo_qdq/qdq_normal_batch0_outputs.npy",
                   /*want_float_cases=*/19, /*max_double_only_diffs=*/0);
}

}  // namespace
}  // namespace quantsim::kernels
