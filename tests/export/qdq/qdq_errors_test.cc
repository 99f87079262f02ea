// LowerToQdqOnnx: what it refuses (errors name the node or tensor), name
// collisions, and the documented mismatches (rounding, unclipped grids)
// measured in quantsim.
#include <cmath>

#include "export/qdq/qdq_export.h"
#include "gtest/gtest.h"
#include "tests/export/qdq/qdq_test_util.h"

namespace quantsim::io {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using graph::ValueId;
using qdq_testing::AddFq;
using qdq_testing::FqSpec;

// x [-1, 4] -> FakeQuantize 'fq' (u8, scale 0.1, z 10) -> y.
graph::Graph OneFq(const FqSpec& spec = {}) {
  graph::Graph g;
  ValueId x = *g.AddInput("x", DType::kF32, {-1, 4});
  FqSpec s = spec;
  if (s.scale == std::vector<float>{1.0f}) {
    s.scale = {0.1f};
    s.zero_point = {10.0f};
  }
  ValueId y = *AddFq(g, x, "fq", s, "y");
  (void)g.AddOutput(y);
  return g;
}

bool Mentions(const absl::Status& s, const std::string& what) {
  return s.message().find(what) != absl::string_view::npos;
}

TEST(QdqErrors, UsedMaskOutputIsRefused) {
  graph::Graph g;
  ValueId x = *g.AddInput("x", DType::kF32, {4});
  ValueId s = *g.AddParameter(
      "s", *Tensor::FromVector(Shape({1}), std::vector<float>{0.1f}));
  ValueId z = *g.AddParameter(
      "z", *Tensor::FromVector(Shape({1}), std::vector<float>{0.0f}));
  std::vector<ValueId> o = *g.AddNode(
      "FakeQuantize", {x, s, z}, {{"qmin", int64_t{0}}, {"qmax", int64_t{255}}},
      2, "fq", {"y", "mask"});
  ASSERT_TRUE(g.AddOutput(o[0]).ok());
  ASSERT_TRUE(g.AddOutput(o[1]).ok());
  absl::StatusOr<graph::Graph> r = LowerToQdqOnnx(g);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(r.status(), "'fq'")) << r.status();
  EXPECT_TRUE(Mentions(r.status(), "mask")) << r.status();
}

TEST(QdqErrors, RunTimeScaleIsUnimplemented) {
  graph::Graph g;
  ValueId x = *g.AddInput("x", DType::kF32, {4});
  ValueId s = *g.AddInput("s", DType::kF32, {1});
  ValueId z = *g.AddParameter(
      "z", *Tensor::FromVector(Shape({1}), std::vector<float>{0.0f}));
  std::vector<ValueId> o = *g.AddNode(
      "FakeQuantize", {x, s, z}, {{"qmin", int64_t{0}}, {"qmax", int64_t{255}}},
      1, "fq", {"y"});
  ASSERT_TRUE(g.AddOutput(o[0]).ok());
  absl::StatusOr<graph::Graph> r = LowerToQdqOnnx(g);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(Mentions(r.status(), "'fq'") && Mentions(r.status(), "'s'"))
      << r.status();
}

TEST(QdqErrors, BadParameters) {
  FqSpec frac;
  frac.scale = {0.1f};
  frac.zero_point = {2.5f};
  absl::StatusOr<graph::Graph> r = LowerToQdqOnnx(OneFq(frac));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(r.status(), "zero_point")) << r.status();
  FqSpec neg;
  neg.scale = {-0.1f};
  r = LowerToQdqOnnx(OneFq(neg));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(r.status(), "scale")) << r.status();
  // A 20-bit activation grid has no QuantizeLinear container.
  FqSpec wide;
  wide.qmin = 0;
  wide.qmax = (1 << 20) - 1;
  wide.scale = {0.1f};
  r = LowerToQdqOnnx(OneFq(wide));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(Mentions(r.status(), "'fq'")) << r.status();
}

TEST(QdqErrors, RoundingMismatchListedOrRefused) {
  FqSpec away;
  away.rounding = "half_away_from_zero";
  QdqExportInfo info;
  absl::StatusOr<graph::Graph> r = LowerToQdqOnnx(OneFq(away), {}, &info);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(info.rounding_mismatch, std::vector<std::string>{"fq"});
  QdqExportOptions strict;
  strict.allow_rounding_mismatch = false;
  r = LowerToQdqOnnx(OneFq(away), strict);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mentions(r.status(), "'fq'")) << r.status();
}

// Half-away sims differ from the file (half to even) exactly on .5 ties,
// by one step of the quantizer; pre-quantized parameters keep the sim's own
// rounding, so they match.
TEST(QdqErrors, HalfAwayDiffersOnTiesByOneStep) {
  FqSpec away;
  away.rounding = "half_away_from_zero";
  away.scale = {0.125f};  // exact ties: x / s = .5, 1.5, 2.5, -.5
  away.zero_point = {10.0f};
  graph::Graph sim = OneFq(away);
  const std::vector<float> xs = {0.0625f, 0.1875f, 0.3125f, -0.0625f};
  Tensor x = *Tensor::FromVector(Shape({1, 4}), xs);
  absl::StatusOr<graph::Graph> low = LowerToQdqOnnx(sim);
  ASSERT_TRUE(low.ok());
  Tensor want = *qdq_testing::RunGraph(sim, {x});
  Tensor got = *qdq_testing::RunGraph(*low, {x});
  // half away rounds x / s + z (libpymo): 10.5, 11.5, 12.5, 9.5 -> 1, 2, 3,
  // 0 steps; half to even rounds x / s: 0, 2, 2, 0 steps.
  const std::vector<float> away_q = {1, 2, 3, 0}, even_q = {0, 2, 2, 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(want.data<float>()[i], away_q[i] * 0.125f) << i;
    EXPECT_EQ(got.data<float>()[i], even_q[i] * 0.125f) << i;
  }
  EXPECT_EQ(qdq_testing::MaxLsbDiff(want, got, 0.125f), 1.0);
}

TEST(QdqErrors, UnclippedNarrowGridDiffers) {
  FqSpec four;
  four.qmin = 0;
  four.qmax = 15;
  four.scale = {0.1f};
  four.zero_point = {0.0f};
  graph::Graph sim = OneFq(four);
  Tensor x = *Tensor::FromVector(Shape({1, 4}),
                                 std::vector<float>{0.3f, 1.5f, 2.0f, 9.0f});
  QdqExportOptions o;
  o.emulate_narrow_grids = false;
  Tensor want = *qdq_testing::RunGraph(sim, {x});
  Tensor clipped = *qdq_testing::RunGraph(*LowerToQdqOnnx(sim), {x});
  Tensor unclipped = *qdq_testing::RunGraph(*LowerToQdqOnnx(sim, o), {x});
  EXPECT_EQ(qdq_testing::MaxLsbDiff(want, clipped, 0.1f), 0.0);
  EXPECT_EQ(want.data<float>()[3], 15 * 0.1f);
  EXPECT_EQ(unclipped.data<float>()[3], 90 * 0.1f);
}

TEST(QdqErrors, TakenNamesGetSuffixes) {
  graph::Graph g;
  ValueId x = *g.AddInput("x", DType::kF32, {-1, 4});
  // A value already named "x_scale" that survives the lowering.
  ValueId other = *g.AddParameter(
      "x_scale", *Tensor::FromVector(Shape({4}), std::vector<float>(4, 1.0f)));
  FqSpec s;
  s.scale = {0.1f};
  ValueId y = *AddFq(g, x, "fq", s, "y");
  ValueId sum = (*g.AddNode("Add", {y, other}, {}, 1, "add", {"z"}))[0];
  ASSERT_TRUE(g.AddOutput(sum).ok());
  absl::StatusOr<graph::Graph> r = LowerToQdqOnnx(g);
  ASSERT_TRUE(r.ok()) << r.status();
  const graph::Node& q = r->node(*r->FindNode("fq_q"));
  EXPECT_EQ(r->value(q.inputs[1]).name, "x_scale_1");
  EXPECT_EQ(r->value(q.inputs[2]).name, "x_zero_point");
  EXPECT_TRUE(r->FindValue("x_scale").ok());
}

}  // namespace
}  // namespace quantsim::io
