// Reduce kernels: vs double sums (bound: the textbook gamma_n sum|x| for any
// summation order) and exact max/min, every Isa and thread count
// bit-identical, ArgMax, checked front end.
#include "kernels/cpu/reduce/reduce.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels {
namespace {

constexpr double kEps = std::numeric_limits<float>::epsilon();

std::vector<float> Rand(int64_t n, uint32_t seed) {
  return testing::UniformFloats(n, seed, -2, 3);
}

struct Case {
  Dims dims;
  std::vector<int> axes;
};

std::vector<Case> Cases() {
  return {{{3, 5, 7}, {0}},          {{3, 5, 7}, {1}},
          {{3, 5, 7}, {2}},          {{3, 5, 7}, {0, 2}},
          {{3, 5, 7}, {0, 1, 2}},    {{3, 5, 7}, {1, 2}},
          {{2, 3, 4, 5}, {1, 3}},    {{2, 3, 4, 5}, {0, 2}},
          {{2, 40001}, {1}},         {{5000, 3}, {0}},
          {{2, 1, 9}, {1}},          {{4, 16, 6, 6}, {0, 2, 3}},
          {{1, 70000}, {0, 1}},      {{6, 17}, {}},
          {{3, 33, 2, 1, 5}, {1, 4}}};
}

// Reference in double: out index over kept axes, row-major.
void RefReduce(ReduceOp op, const std::vector<float>& x, const Case& c,
               std::vector<double>* out, std::vector<double>* abs_sum) {
  const Dims& d = c.dims;
  bool red[kMaxRank] = {};
  for (int a : c.axes) red[a] = true;
  int64_t out_n = 1, count = 1;
  for (int i = 0; i < d.rank; ++i) (red[i] ? count : out_n) *= d.d[i];
  const double init = op == ReduceOp::kMax   ? -INFINITY
                      : op == ReduceOp::kMin ? INFINITY
                                             : 0.0;
  out->assign(out_n, init);
  abs_sum->assign(out_n, 0.0);
  for (int64_t flat = 0; flat < d.NumElements(); ++flat) {
    int64_t rem = flat, o = 0, ostride = 1;
    for (int i = d.rank - 1; i >= 0; --i) {
      const int64_t idx = rem % d.d[i];
      rem /= d.d[i];
      if (!red[i]) o += idx * ostride, ostride *= d.d[i];
    }
    double& v = (*out)[o];
    if (op == ReduceOp::kMax)
      v = std::max(v, double{x[flat]});
    else if (op == ReduceOp::kMin)
      v = std::min(v, double{x[flat]});
    else
      v += x[flat];
    (*abs_sum)[o] += std::fabs(x[flat]);
  }
  if (op == ReduceOp::kMean) {
    for (double& v : *out) v /= count;
    for (double& v : *abs_sum) v /= count;
  }
}

TEST(ReduceTest, MatchesDoubleReference) {
  for (const Case& c : Cases()) {
    const std::vector<float> x = Rand(c.dims.NumElements(), 7);
    int64_t count = 1;
    for (int a : c.axes) count *= c.dims.d[a];
    for (ReduceOp op :
         {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin}) {
      std::vector<double> want, abs_sum;
      RefReduce(op, x, c, &want, &abs_sum);
      std::vector<float> y(want.size());
      ASSERT_TRUE(ReduceChecked(op, x.data(), c.dims, c.axes.data(),
                                c.axes.size(), y.data(), y.size(), nullptr,
                                engine::Isa::kScalar)
                      .ok());
      for (size_t i = 0; i < y.size(); ++i) {
        if (op == ReduceOp::kMax || op == ReduceOp::kMin) {
          EXPECT_EQ(y[i], static_cast<float>(want[i]));
        } else {
          // gamma_{count} sum|x| (+1 eps |result| for the final rounding
          // and the Mean divide).
          EXPECT_NEAR(y[i], want[i],
                      count * kEps * abs_sum[i] + 2 * kEps * std::fabs(want[i]))
              << static_cast<int>(op) << " case rank " << c.dims.rank << " at "
              << i;
        }
      }
    }
  }
}

TEST(ReduceTest, EveryIsaAndThreadCountBitIdentical) {
  for (const Case& c : Cases()) {
    std::vector<float> x = Rand(c.dims.NumElements(), 8);
    if (x.size() > 100) x[77] = std::numeric_limits<float>::quiet_NaN();
    for (ReduceOp op :
         {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin}) {
      int64_t out_n = c.dims.NumElements();
      for (int a : c.axes) out_n /= c.dims.d[a];
      std::vector<float> ref(out_n);
      Reduce(op, x.data(), c.dims, c.axes.data(), c.axes.size(), ref.data(),
             nullptr, engine::Isa::kScalar);
      for (engine::Isa isa : engine::SupportedIsas()) {
        for (int t : {1, 2, 3}) {
          engine::ThreadPool pool(t);
          std::vector<float> y(out_n);
          Reduce(op, x.data(), c.dims, c.axes.data(), c.axes.size(), y.data(),
                 &pool, isa);
          ASSERT_EQ(0, std::memcmp(y.data(), ref.data(), out_n * 4))
              << engine::IsaName(isa) << " t" << t << " op "
              << static_cast<int>(op);
        }
      }
    }
  }
}

TEST(ReduceTest, EmptyReduction) {
  float y[3];
  const int ax = 1;
  Reduce(ReduceOp::kMax, nullptr, {3, 0}, &ax, 1, y);
  EXPECT_EQ(y[0], -INFINITY);
  Reduce(ReduceOp::kSum, nullptr, {3, 0}, &ax, 1, y);
  EXPECT_EQ(y[2], 0.0f);
  Reduce(ReduceOp::kMean, nullptr, {3, 0}, &ax, 1, y);
  EXPECT_TRUE(std::isnan(y[1]));
}

TEST(ReduceTest, ArgMax) {
  const Dims d{2, 4, 3};
  const std::vector<float> x = {1, 5, 2, 7, 5,   0, 3, 1, 9, 7, 0, 0,  // o=0
                                0, 0, 0, 0, NAN, 0, 0, 0, 0, 0, 0, 1};
  std::vector<int64_t> out(6);
  ASSERT_TRUE(ArgMaxChecked(x.data(), d, 1, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{1, 0, 2, 0, 1, 3}));
  ASSERT_TRUE(ArgMaxChecked(x.data(), d, -2, out.data(), true).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{3, 1, 2, 3, 1, 3}));
  std::vector<int64_t> last(8);
  engine::ThreadPool pool(3);
  ASSERT_TRUE(ArgMaxChecked(x.data(), d, 2, last.data(), false, &pool).ok());
  EXPECT_EQ(last, (std::vector<int64_t>{1, 0, 2, 0, 0, 1, 0, 2}));
}

TEST(ReduceTest, CheckedRejectsBadArgs) {
  float x[6] = {}, y[6];
  int64_t idx[6];
  const int bad_axis = 2, dup[2] = {0, -2};
  EXPECT_EQ(ReduceChecked(ReduceOp::kSum, x, {2, 3}, &bad_axis, 1, y, 2).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReduceChecked(ReduceOp::kSum, x, {2, 3}, dup, 2, y, 1).code(),
            absl::StatusCode::kInvalidArgument);
  const int ax = -1;
  EXPECT_EQ(ReduceChecked(ReduceOp::kSum, x, {2, 3}, &ax, 1, y, 3).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReduceChecked(ReduceOp::kSum, x, {2, 3}, &ax, 1, y, 2).ok());
  EXPECT_EQ(ArgMaxChecked(x, {2, 3}, 2, idx).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ArgMaxChecked(x, {2, 0}, 1, idx).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantsim::kernels
