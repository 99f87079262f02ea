// Tests for quant/encoding.h: validation, integer grids, ONNX zero points.
#include "quant/encoding.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantsim::quant {
namespace {

using ::testing::HasSubstr;

TEST(BitwidthTest, AcceptsTwoToThirtyTwo) {
  for (int bw = 2; bw <= 32; ++bw) EXPECT_TRUE(ValidateBitwidth(bw).ok()) << bw;
  for (int bw : {-1, 0, 1, 33, 64}) {
    const absl::Status s = ValidateBitwidth(bw);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bw;
    EXPECT_THAT(s.message(), HasSubstr("bitwidth"));
  }
  EXPECT_TRUE(IsPassThrough(32));
  EXPECT_FALSE(IsPassThrough(16));
}

TEST(GridTest, StepsAndRanges) {
  EXPECT_EQ(NumSteps(8), 255);
  EXPECT_EQ(NumSteps(8, /*strict_symmetric=*/true), 254);
  EXPECT_EQ(NumSteps(2), 3);
  EXPECT_EQ(NumSteps(32), 4294967295LL);
  EXPECT_EQ(UnsignedIntegerRange(8).qmin, 0);
  EXPECT_EQ(UnsignedIntegerRange(8).qmax, 255);
  EXPECT_EQ(SignedIntegerRange(8).qmin, -128);
  EXPECT_EQ(SignedIntegerRange(8).qmax, 127);
  EXPECT_EQ(SignedIntegerRange(4).qmin, -8);
  EXPECT_EQ(IntegerRangeFor(16, true).qmax, 32767);
  EXPECT_EQ(IntegerRangeFor(16, false).qmax, 65535);
  EXPECT_EQ(SignedIntegerRange(32).qmin, -2147483648LL);
  Encoding strict;
  strict.bitwidth = 8;
  strict.symmetric = true;
  strict.strict_symmetric = true;
  EXPECT_EQ(NumSteps(strict), 254);
  strict.symmetric = false;  // strict only counts with symmetric
  EXPECT_EQ(NumSteps(strict), 255);
}

Encoding Asym8() {
  Encoding e;
  e.min = -1.0;
  e.max = 2.0;
  e.scale = 3.0 / 255;
  e.offset = -85;
  e.bitwidth = 8;
  return e;
}

TEST(ValidateEncodingTest, AcceptsAGoodEncoding) {
  EXPECT_TRUE(ValidateEncoding(Asym8()).ok());
  Encoding pass;
  pass.bitwidth = 32;
  pass.pass_through = true;
  pass.min = std::numeric_limits<double>::quiet_NaN();  // numbers unused
  EXPECT_TRUE(ValidateEncoding(pass).ok());
}

struct BadEncodingCase {
  const char* name;
  void (*mutate)(Encoding&);
  const char* expected_message;
};

TEST(ValidateEncodingTest, RejectsBadEncodingsNamingTheProblem) {
  const BadEncodingCase cases[] = {
      {"bw 1", [](Encoding& e) { e.bitwidth = 1; }, "bitwidth 1"},
      {"bw 33", [](Encoding& e) { e.bitwidth = 33; }, "bitwidth 33"},
      {"nan min",
       [](Encoding& e) { e.min = std::numeric_limits<double>::quiet_NaN(); },
       "NaN"},
      {"nan max",
       [](Encoding& e) { e.max = std::numeric_limits<double>::quiet_NaN(); },
       "NaN"},
      {"inf max",
       [](Encoding& e) { e.max = std::numeric_limits<double>::infinity(); },
       "infinite"},
      {"min > max", [](Encoding& e) { e.min = 3.0; }, "greater than max"},
      {"zero scale", [](Encoding& e) { e.scale = 0.0; }, "scale"},
      {"negative scale", [](Encoding& e) { e.scale = -0.1; }, "scale"},
      {"nan scale",
       [](Encoding& e) { e.scale = std::numeric_limits<double>::quiet_NaN(); },
       "scale"},
      {"positive offset", [](Encoding& e) { e.offset = 1; }, "offset"},
      {"fractional offset", [](Encoding& e) { e.offset = -85.5; }, "offset"},
      {"offset below -N", [](Encoding& e) { e.offset = -256; }, "offset"},
      {"pass-through bw 8", [](Encoding& e) { e.pass_through = true; },
       "pass-through"},
  };
  for (const BadEncodingCase& c : cases) {
    Encoding e = Asym8();
    c.mutate(e);
    const absl::Status s = ValidateEncoding(e);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(s.message(), HasSubstr(c.expected_message)) << c.name;
  }
}

TEST(OnnxTest, UnsignedGridUsesMinusOffset) {
  absl::StatusOr<OnnxQuantParams> p = ToOnnxQuantParams(Asym8());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->is_signed);
  EXPECT_EQ(p->zero_point, 85);
  EXPECT_EQ(p->scale, 3.0 / 255);
  EXPECT_EQ(p->bitwidth, 8);
  absl::StatusOr<Encoding> back = FromOnnxQuantParams(*p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->offset, -85);
  EXPECT_FALSE(back->symmetric);
  EXPECT_EQ(back->min, -85 * (3.0 / 255));
  EXPECT_EQ(back->max, 170 * (3.0 / 255));
}

TEST(OnnxTest, SignedSymmetricUsesZeroZeroPointInASignedContainer) {
  Encoding e;
  e.bitwidth = 8;
  e.symmetric = true;
  e.scale = 2.0 / 127;
  e.offset = -128;
  e.min = -128 * e.scale;
  e.max = 127 * e.scale;
  absl::StatusOr<OnnxQuantParams> p = ToOnnxQuantParams(e);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->is_signed);
  EXPECT_EQ(p->zero_point, 0);
  absl::StatusOr<Encoding> back = FromOnnxQuantParams(*p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->symmetric);
  EXPECT_EQ(back->offset, -128);
  EXPECT_EQ(back->min, e.min);
  EXPECT_EQ(back->max, e.max);

  // Unsigned symmetric (observed min >= 0) has offset 0: an unsigned grid.
  Encoding u = e;
  u.offset = 0;
  u.min = 0;
  u.max = 255 * u.scale;
  p = ToOnnxQuantParams(u);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->is_signed);
  EXPECT_EQ(p->zero_point, 0);
}

TEST(OnnxTest, SignedContainerWithNonZeroZeroPoint) {
  OnnxQuantParams p;
  p.scale = 0.5;
  p.zero_point = -3;
  p.bitwidth = 8;
  p.is_signed = true;
  absl::StatusOr<Encoding> e = FromOnnxQuantParams(p);
  ASSERT_TRUE(e.ok()) << e.status();
  // q_signed = q_unsigned - 128, so x = (q_unsigned - 128 + 3) * 0.5.
  EXPECT_EQ(e->offset, -125);
  EXPECT_FALSE(e->symmetric);
  EXPECT_EQ(e->min, -62.5);
  EXPECT_EQ(e->max, 65.0);
}

TEST(OnnxTest, RejectsWhatOnnxCannotExpress) {
  Encoding strict;
  strict.bitwidth = 8;
  strict.symmetric = true;
  strict.strict_symmetric = true;
  strict.scale = 1.0 / 127;
  strict.offset = -127;
  strict.min = -1;
  strict.max = 1;
  absl::StatusOr<OnnxQuantParams> p = ToOnnxQuantParams(strict);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("strict symmetric"));

  Encoding pass;
  pass.bitwidth = 32;
  pass.pass_through = true;
  p = ToOnnxQuantParams(pass);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("pass-through"));

  Encoding bad = Asym8();
  bad.scale = -1;
  EXPECT_THAT(ToOnnxQuantParams(bad).status().message(), HasSubstr("scale"));

  OnnxQuantParams q;
  q.scale = 0.1;
  q.bitwidth = 8;
  q.zero_point = 256;
  EXPECT_THAT(FromOnnxQuantParams(q).status().message(),
              HasSubstr("zero_point 256 is outside [0, 255]"));
  q.is_signed = true;
  q.zero_point = -129;
  EXPECT_THAT(FromOnnxQuantParams(q).status().message(),
              HasSubstr("outside [-128, 127]"));
  q.zero_point = 0;
  q.scale = 0.0;
  EXPECT_THAT(FromOnnxQuantParams(q).status().message(), HasSubstr("scale"));
  q.scale = 0.1;
  q.bitwidth = 32;
  EXPECT_THAT(FromOnnxQuantParams(q).status().message(),
              HasSubstr("pass-through"));
}

TEST(OffsetConversionTest, Scalars) {
  EXPECT_EQ(UnsignedZeroPointFromOffset(-85), 85);
  EXPECT_EQ(OffsetFromUnsignedZeroPoint(85), -85);
  // v2 symmetric 8-bit: offset_v2 0, qmin -128 -> legacy -128.
  EXPECT_EQ(LegacyOffsetFromV2(0, -128), -128);
  EXPECT_EQ(LegacyOffsetFromV2(-85, 0), -85);
}

}  // namespace
}  // namespace quantsim::quant
