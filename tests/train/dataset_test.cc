#include "train/dataset.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/npy.h"
#include "gtest/gtest.h"
#include "train/loop.h"

namespace quantsim::train {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

// x[i] = (i, 10 i), y[i] = i: rows are identifiable after shuffling.
Dataset Numbered(int64_t n) {
  std::vector<float> x(2 * n);
  std::vector<int64_t> y(n);
  for (int64_t i = 0; i < n; ++i) {
    x[2 * i] = static_cast<float>(i);
    x[2 * i + 1] = static_cast<float>(10 * i);
    y[i] = i;
  }
  return Dataset::Create(Tensor::FromVector(Shape({n, 2}), x).value(),
                         Tensor::FromVector(Shape({n}), y).value())
      .value();
}

TEST(DatasetTest, PermutationIsDeterministicAndPerEpoch) {
  const std::vector<int64_t> a = Permutation(100, 42, 0);
  EXPECT_EQ(a, Permutation(100, 42, 0));
  EXPECT_NE(a, Permutation(100, 42, 1));
  EXPECT_NE(a, Permutation(100, 43, 0));
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  int fixed = 0;
  for (int64_t i = 0; i < 100; ++i) fixed += a[i] == i;
  EXPECT_LT(fixed, 10);  // actually shuffled
  EXPECT_TRUE(Permutation(0, 1, 0).empty());
}

TEST(DatasetTest, BatchesCoverEveryRowOnceAndKeepTheLastPartialBatch) {
  Dataset d = Numbered(10);
  Batcher batcher(d, 4, /*shuffle=*/true, 3);
  ASSERT_EQ(batcher.num_batches(), 3);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    batcher.StartEpoch(epoch);
    std::set<int64_t> seen;
    std::vector<int64_t> order;
    for (int64_t b = 0; b < 3; ++b) {
      Batch batch = batcher.Get(b).value();
      EXPECT_EQ(batch.size, b < 2 ? 4 : 2);
      EXPECT_EQ(batch.x.shape(), Shape({batch.size, 2}));
      for (int64_t i = 0; i < batch.size; ++i) {
        const int64_t id = batch.y.data<int64_t>()[i];
        EXPECT_EQ(batch.x.data<float>()[2 * i], id);  // x and y stay paired
        EXPECT_EQ(batch.x.data<float>()[2 * i + 1], 10 * id);
        seen.insert(id);
        order.push_back(id);
      }
    }
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_EQ(order, Permutation(10, 3, epoch));
  }
  EXPECT_FALSE(batcher.Get(3).ok());
  Batcher in_order(d, 4, /*shuffle=*/false, 0);
  EXPECT_EQ(in_order.Get(2).value().y.data<int64_t>()[1], 9);
}

TEST(DatasetTest, FromNpyAndMismatchedSizes) {
  const std::string dir = getenv("TEST_TMPDIR");
  Dataset d = Numbered(5);
  ASSERT_TRUE(engine::WriteNpy(dir + "/x.npy", d.x).ok());
  ASSERT_TRUE(engine::WriteNpy(dir + "/y.npy", d.y).ok());
  Dataset r = Dataset::FromNpy(dir + "/x.npy", dir + "/y.npy").value();
  EXPECT_EQ(r.size(), 5);
  EXPECT_EQ(r.y.dtype(), DType::kI64);
  EXPECT_EQ(r.x.data<float>()[9], 40.0f);
  EXPECT_EQ(
      Dataset::FromNpy(dir + "/x.npy", dir + "/missing.npy").status().code(),
      absl::StatusCode::kNotFound);
  Tensor y4 = Tensor::Zeros(Shape({4}), DType::kI64).value();
  EXPECT_EQ(Dataset::Create(d.x, y4).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DatasetTest, CountCorrectUsesTheFirstMaximum) {
  Tensor logits =
      Tensor::FromVector(Shape({3, 3}), std::vector<float>{0, 2, 1,  //
                                                           5, 5, 1,  //
                                                           -1, -3, -2})
          .value();
  Tensor labels =
      Tensor::FromVector(Shape({3}), std::vector<int64_t>{1, 1, 0}).value();
  EXPECT_EQ(CountCorrect(logits, labels).value(), 2);
  Tensor labels32 =
      Tensor::FromVector(Shape({3}), std::vector<int32_t>{1, 0, 0}).value();
  EXPECT_EQ(CountCorrect(logits, labels32).value(), 3);
  EXPECT_FALSE(CountCorrect(logits, logits).ok());
}

}  // namespace
}  // namespace quantsim::train
