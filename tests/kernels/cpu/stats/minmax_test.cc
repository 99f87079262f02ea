// Min/max kernels: every Isa and 1/2/3 threads bit-equal to the scalar
// reference on random data and edge cases; per-channel; bad input.
#include "kernels/cpu/stats/minmax.h"

#include <string.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/stats/stats_reference.h"
#include "tests/kernels/cpu/stats/test_util.h"

namespace quantsim::kernels {
namespace {

using testing::AllVariants;
using testing::Bits;
using testing::EdgeData;
using testing::VariantExec;

// Naive reference straight from stats_reference.h.
MinMaxResult Naive(const std::vector<float>& x, const MinMaxOptions& o) {
  MinMaxResult r;
  for (float v : x) {
    if (o.count_nonfinite) {
      r.num_nan += IsNanF(v);
      r.num_inf += IsInfF(v);
    }
    if (o.finite_only && !IsFiniteF(v)) continue;
    r.min = MinFold(v, r.min);
    r.max = MaxFold(v, r.max);
  }
  return r;
}

void ExpectSame(const MinMaxResult& got, const MinMaxResult& want) {
  EXPECT_EQ(Bits(got.min), Bits(want.min)) << got.min << " vs " << want.min;
  EXPECT_EQ(Bits(got.max), Bits(want.max)) << got.max << " vs " << want.max;
  EXPECT_EQ(got.num_nan, want.num_nan);
  EXPECT_EQ(got.num_inf, want.num_inf);
}

std::vector<MinMaxOptions> AllOptions() {
  std::vector<MinMaxOptions> v;
  for (bool f : {false, true}) {
    for (bool c : {false, true}) v.push_back({f, c});
  }
  return v;
}

TEST(MinMaxTest, EveryVariantMatchesReferenceOnRandomData) {
  for (int64_t n : {0, 1, 7, 15, 16, 17, 33, 64, 1000, 4099, 100003}) {
    const std::vector<float> x = EdgeData(n, 17 + n, 3.0f);
    for (const MinMaxOptions& o : AllOptions()) {
      const MinMaxResult want = Naive(x, o);
      for (const auto& v : AllVariants()) {
        SCOPED_TRACE(v.Name() + " n=" + std::to_string(n));
        VariantExec ve(v, 333);
        ExpectSame(MinMax(x.data(), n, o, ve.exec), want);
      }
    }
  }
}

TEST(MinMaxTest, EdgeCases) {
  const MinMaxOptions count{false, true};
  const std::vector<std::vector<float>> cases = {
      {NAN, NAN, NAN},
      std::vector<float>(40, NAN),
      {0.0f, -0.0f},
      {-0.0f, 0.0f},
      std::vector<float>(37, 0.0f),
      std::vector<float>(37, -0.0f),
      {1e-45f, -1e-45f, 1e-40f},
      {INFINITY, -INFINITY, NAN, 1.0f},
      std::vector<float>(50, 2.5f),
  };
  for (const auto& c : cases) {
    std::vector<float> x = c;
    // Interleave +0 / -0 at different lane positions in a long vector.
    for (const auto& v : AllVariants()) {
      VariantExec ve(v, 5);
      for (const MinMaxOptions& o : AllOptions()) {
        ExpectSame(MinMax(x.data(), x.size(), o, ve.exec), Naive(x, o));
      }
    }
  }
  // Spot values (not just agreement): zeros order -0 < +0.
  std::vector<float> z(100, 0.0f);
  z[71] = -0.0f;
  for (const auto& v : AllVariants()) {
    VariantExec ve(v, 7);
    const MinMaxResult r = MinMax(z.data(), z.size(), count, ve.exec);
    EXPECT_EQ(Bits(r.min), Bits(-0.0f)) << v.Name();
    EXPECT_EQ(Bits(r.max), Bits(0.0f)) << v.Name();
  }
  std::vector<float> nan(33, NAN);
  const MinMaxResult r = MinMax(nan.data(), nan.size(), count);
  EXPECT_EQ(r.min, INFINITY);
  EXPECT_EQ(r.max, -INFINITY);
  EXPECT_EQ(r.num_nan, 33);
  std::vector<float> inf = {1.0f, INFINITY, -INFINITY, NAN, 2.0f};
  const MinMaxResult ri = MinMax(inf.data(), inf.size(), count);
  EXPECT_EQ(ri.min, -INFINITY);
  EXPECT_EQ(ri.max, INFINITY);
  EXPECT_EQ(ri.num_inf, 2);
  const MinMaxResult rf = MinMax(inf.data(), inf.size(), {true, false});
  EXPECT_EQ(rf.min, 1.0f);
  EXPECT_EQ(rf.max, 2.0f);
}

struct Shape {
  int64_t outer, axis, inner;
};

TEST(MinMaxPerChannelTest, EveryVariantMatchesNaive) {
  const Shape shapes[] = {{1, 1, 1000}, {3, 5, 17},    {2, 4, 1000},
                          {7, 33, 1},   {5, 3, 15},    {1, 64, 2},
                          {0, 4, 10},   {2, 1, 40000}, {64, 16, 9}};
  for (const Shape& s : shapes) {
    QdqLayout l;
    l.outer = s.outer;
    l.axis = s.axis;
    l.inner = s.inner;
    const std::vector<float> x = EdgeData(l.NumElements(), 5 + s.axis, 2.0f);
    std::vector<float> want_min(s.axis, INFINITY), want_max(s.axis, -INFINITY);
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t a = 0; a < s.axis; ++a) {
        for (int64_t i = 0; i < s.inner; ++i) {
          const float v = x[(o * s.axis + a) * s.inner + i];
          want_min[a] = MinFold(v, want_min[a]);
          want_max[a] = MaxFold(v, want_max[a]);
        }
      }
    }
    for (const auto& v : AllVariants()) {
      SCOPED_TRACE(v.Name() + " shape " + std::to_string(s.outer) + "x" +
                   std::to_string(s.axis) + "x" + std::to_string(s.inner));
      VariantExec ve(v, 100);
      std::vector<float> mn(s.axis), mx(s.axis);
      ASSERT_TRUE(MinMaxPerChannel(x, l, absl::MakeSpan(mn), absl::MakeSpan(mx),
                                   ve.exec)
                      .ok());
      for (int64_t a = 0; a < s.axis; ++a) {
        EXPECT_EQ(Bits(mn[a]), Bits(want_min[a])) << a;
        EXPECT_EQ(Bits(mx[a]), Bits(want_max[a])) << a;
      }
    }
  }
}

TEST(MinMaxPerChannelTest, RejectsBadInput) {
  std::vector<float> x(12, 1.0f), mn(3), mx(3);
  QdqLayout l;
  l.outer = 2;
  l.axis = 3;
  l.inner = 2;
  EXPECT_TRUE(
      MinMaxPerChannel(x, l, absl::MakeSpan(mn), absl::MakeSpan(mx)).ok());
  std::vector<float> short_x(11, 1.0f);
  EXPECT_EQ(MinMaxPerChannel(short_x, l, absl::MakeSpan(mn), absl::MakeSpan(mx))
                .code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<float> mn2(2);
  EXPECT_EQ(
      MinMaxPerChannel(x, l, absl::MakeSpan(mn2), absl::MakeSpan(mx)).code(),
      absl::StatusCode::kInvalidArgument);
  QdqLayout blocked = l;
  blocked.block = 2;
  EXPECT_EQ(MinMaxPerChannel(x, blocked, absl::MakeSpan(mn), absl::MakeSpan(mx))
                .code(),
            absl::StatusCode::kInvalidArgument);
  QdqLayout zero_axis = l;
  zero_axis.axis = 0;
  EXPECT_EQ(
      MinMaxPerChannel({}, zero_axis, absl::Span<float>(), absl::Span<float>())
          .code(),
      absl::StatusCode::kInvalidArgument);
  StatsExec bad;
  bad.grain = 0;
  EXPECT_EQ(MinMaxPerChannel(x, l, absl::MakeSpan(mn), absl::MakeSpan(mx), bad)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::kernels
