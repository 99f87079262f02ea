// Kernel-level parameters against AIMET's libpymo QDQ outputs
// (tests/data/libpymo_enc/qdq_*): LibpymoKernelEncoding reproduces the
// encoding libpymo's kernel used, and reference.h's kHalfAwayFromZero with
// ToLibpymoKernelParam reproduces its float32 outputs bit for bit.
//  path "A": TensorQuantizer::quantizeDequantize(min, max, bw): the kernel
//            re-derives delta/offset from (min, max, bw) (spec §1.4).
//  path "B": quantizeDequantize(encoding): the encoding is used as is.
// Cases with dtype "double" ran libpymo's double kernel (outputs cast to
// float). quantsim's kernels are float32 only, so those rows are checked
// against the same formula evaluated in double (DoubleKernelQdq) using the
// same encoding; the float32 kernel differs from them on values whose
// x / delta - offset is within half a float ulp of a .5 tie (two inputs of
// the hand set: 0.124999993 and -0.125000015 at delta 0.25).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/fake_quant/reference.h"
#include "quant/libpymo_encoding.h"
#include "rapidjson/document.h"
#include "tests/quant/golden_util.h"
#include "tests/testing/golden.h"

namespace quantsim::quant {
namespace {

Encoding ReadEncoding(const rapidjson::Value& v) {
  Encoding e;
  e.min = v["min"].GetDouble();
  e.max = v["max"].GetDouble();
  e.scale = v["delta"].GetDouble();
  e.offset = v["offset"].GetDouble();
  e.bitwidth = v["bw"].GetInt();
  return e;
}

// libpymo's CPU QDQ for double tensors: clamp (NaN -> max), divide,
// subtract the offset, round half away, multiply back, all in double.
float DoubleKernelQdq(float xf, const Encoding& e) {
  const double x = xf;
  const double xc =
      x >= e.min ? (x <= e.max ? x : e.max) : (x < e.min ? e.min : e.max);
  const double q = std::round(xc / e.scale - e.offset);
  return static_cast<float>(e.scale * (q + e.offset));
}

// Runs every case of `json` over `input` (one row) and compares with the
// rows of `outputs`. Returns the number of cases checked.
int CheckCases(const char* json, const ::quantsim::testing::F32Array& input,
               int64_t input_row,
               const ::quantsim::testing::F32Array& outputs) {
  rapidjson::Document doc;
  EXPECT_TRUE(LoadJson(json, &doc)) << json;
  if (!doc.IsObject()) return 0;
  const int64_t n = outputs.shape[1];
  EXPECT_EQ(input.shape.back(), n);
  const float* x = input.data.data() + input_row * n;
  int cases = 0;
  for (const rapidjson::Value& c : doc["cases"].GetArray()) {
    const std::string name = c["name"].GetString();
    const std::string path = c["path"].GetString();
    const bool double_kernel =
        c.HasMember("dtype") && std::string(c["dtype"].GetString()) == "double";
    const int row = c["row"].GetInt();
    const Encoding in = ReadEncoding(c["encoding_in"]);
    const Encoding used = ReadEncoding(c["encoding_used_by_kernel"]);
    Encoding enc = in;
    if (path == "A") {
      absl::StatusOr<Encoding> k =
          LibpymoKernelEncoding(in.min, in.max, in.bitwidth);
      EXPECT_TRUE(k.ok()) << name << ": " << k.status();
      if (!k.ok()) continue;
      EXPECT_EQ(Bits(k->min), Bits(used.min)) << name;
      EXPECT_EQ(Bits(k->max), Bits(used.max)) << name;
      EXPECT_EQ(Bits(k->scale), Bits(used.scale)) << name;
      EXPECT_EQ(k->offset, used.offset) << name;
      enc = *k;
    } else {
      EXPECT_EQ(path, "B") << name;
    }
    const kernels::QdqParam p = ToLibpymoKernelParam(enc);
    const kernels::QdqConfig cfg = LibpymoKernelConfig(enc);
    const float* want = outputs.data.data() + row * n;
    int mismatches = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float y = double_kernel ? DoubleKernelQdq(x[i], enc)
                                    : kernels::FakeQuantValue(x[i], p, cfg, i);
      if (Bits(y) != Bits(want[i])) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << name << " x[" << i << "]=" << x[i] << " got " << y
                        << " want " << want[i];
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << name;
    ++cases;
  }
  return cases;
}

TEST(LibpymoQdqGoldenTest, HandValues) {
  const ::quantsim::testing::F32Array input =
      LoadNpy("qdq_hand_values_input.npy");
  const ::quantsim::testing::F32Array outputs =
      LoadNpy("qdq_hand_values_outputs.npy");
  ASSERT_EQ(outputs.shape.size(), 2u);
  ASSERT_EQ(input.data.size(), 58u);
  EXPECT_EQ(CheckCases("qdq_hand_values.json", input, 0, outputs), 16);
}

// The float32 kernel against the double kernel's row: equal except on the
// two near-tie inputs named at the top.
TEST(LibpymoQdqGoldenTest, FloatKernelDiffersFromDoubleOnlyNearTies) {
  const ::quantsim::testing::F32Array input =
      LoadNpy("qdq_hand_values_input.npy");
  const ::quantsim::testing::F32Array outputs =
      LoadNpy("qdq_hand_values_outputs.npy");
  ASSERT_EQ(input.data.size(), 58u);
  Encoding e;
  e.min = -32;
  e.max = 31.75;
  e.scale = 0.25;
  e.offset = -128;
  e.bitwidth = 8;
  const kernels::QdqParam p = ToLibpymoKernelParam(e);
  const kernels::QdqConfig cfg = LibpymoKernelConfig(e);
  const float* want = outputs.data.data() + 14 * 58;  // B_double_explicit
  std::vector<float> differing;
  for (int i = 0; i < 58; ++i) {
    if (Bits(kernels::FakeQuantValue(input.data[i], p, cfg, i)) !=
        Bits(want[i])) {
      differing.push_back(input.data[i]);
    }
  }
  ASSERT_EQ(differing.size(), 2u);
  EXPECT_EQ(differing[0], 0.124999993f);
  EXPECT_EQ(differing[1], -0.125000015f);
}

TEST(LibpymoQdqGoldenTest, NormalBatchZero) {
  const ::quantsim::testing::F32Array input = LoadNpy("input_normal.npy");
  const ::quantsim::testing::F32Array outputs =
      LoadNpy("qdq_normal_batch0_outputs.npy");
  ASSERT_EQ(outputs.shape.size(), 2u);
  ASSERT_EQ(outputs.shape[1], 10000);
  EXPECT_EQ(CheckCases("qdq_normal_batch0.json", input, 0, outputs), 19);
}

}  // namespace
}  // namespace quantsim::quant
