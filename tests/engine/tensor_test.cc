#include "engine/tensor.h"

#include <cstdint>
#include <vector>

#include "engine/dtype.h"
#include "gtest/gtest.h"

namespace quantsim::engine {
namespace {

TEST(DType, TraitsTableIsIndexedByEnumAndParses) {
  for (int i = 0; i < kNumDTypes; ++i) {
    const DTypeTraits& t = kDTypeTable[i];
    EXPECT_EQ(static_cast<int>(t.dtype), i);
    absl::StatusOr<DType> back = ParseDType(t.name);
    ASSERT_TRUE(back.ok()) << t.name;
    EXPECT_EQ(*back, t.dtype);
  }
  static_assert(DTypeSize(DType::kBF16) == 2);
  static_assert(DTypeOf<int16_t>() == DType::kI16);
  static_assert(std::is_same_v<CppType<DType::kU32>, uint32_t>);
  EXPECT_EQ(ParseDType("float32").value(), DType::kF32);
  EXPECT_EQ(ParseDType("complex64").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Shape, CreateRejectsNegativeAndOverflow) {
  EXPECT_EQ(Shape::Create({2, -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Shape::Create({int64_t{1} << 40, int64_t{1} << 40}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Shape s({2, 3, 4});
  EXPECT_EQ(s.NumElements(), 24);
  EXPECT_EQ(s.ContiguousStrides(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(s.NormalizeAxis(-1).value(), 2);
  EXPECT_FALSE(s.NormalizeAxis(3).ok());
  EXPECT_EQ(Shape().NumElements(), 1);  // scalar
  EXPECT_EQ(s.ToString(), "[2, 3, 4]");
}

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(Device::Parse("cuda:1").value(), Device::Cuda(1));
  EXPECT_EQ(Device::Parse("cpu").value().ToString(), "cpu");
  EXPECT_FALSE(Device::Parse("cuda:-1").ok());
  EXPECT_FALSE(Device::Parse("tpu").ok());
}

TEST(Tensor, EmptyIs64ByteAlignedAndRefusesHugeSizes) {
  for (int64_t n : {0, 1, 3, 1000}) {
    Tensor t = Tensor::Empty(Shape({n}), DType::kF32).value();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
    EXPECT_TRUE(t.IsContiguous());
  }
  absl::StatusOr<Tensor> huge =
      Tensor::Empty(Shape({int64_t{1} << 50}), DType::kF32);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(Tensor, ViewsShareStorageAndCopyStrided) {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  Tensor t = Tensor::FromVector(Shape({2, 3, 4}), v).value();
  Tensor tr = t.Transpose({2, 0, 1}).value();  // [4, 2, 3]
  EXPECT_TRUE(tr.SharesStorageWith(t));
  EXPECT_FALSE(tr.IsContiguous());
  Tensor c = tr.Contiguous().value();
  EXPECT_FALSE(c.SharesStorageWith(t));
  ASSERT_EQ(c.shape(), Shape({4, 2, 3}));
  // c[k][i][j] == t[i][j][k] = 12 i + 4 j + k
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        EXPECT_EQ(c.data<float>()[k * 6 + i * 3 + j], 12 * i + 4 * j + k);

  Tensor s = t.Slice(1, 1, 2).value();  // [2, 2, 4], starts at 4
  EXPECT_EQ(s.offset(), 4);
  EXPECT_EQ(s.data<float>()[0], 4.0f);
  Tensor sel = t.Select(0, 1).value();  // [3, 4]
  EXPECT_EQ(sel.shape(), Shape({3, 4}));
  EXPECT_EQ(sel.data<float>()[0], 12.0f);
  Tensor r = t.Reshape({4, -1}).value();
  EXPECT_EQ(r.shape(), Shape({4, 6}));
  EXPECT_TRUE(r.SharesStorageWith(t));

  // Writing through a view changes the base.
  Tensor zeros = Tensor::Zeros(Shape({2, 2, 4}), DType::kF32).value();
  ASSERT_TRUE(s.CopyFrom(zeros).ok());
  EXPECT_EQ(t.data<float>()[4], 0.0f);
  EXPECT_EQ(t.data<float>()[3], 3.0f);
  EXPECT_EQ(t.data<float>()[12], 12.0f);
}

TEST(Tensor, BadViewsReturnInvalidArgument) {
  Tensor t = Tensor::Zeros(Shape({2, 3}), DType::kF32).value();
  EXPECT_EQ(t.Reshape({4, 2}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Reshape({-1, -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Slice(1, 2, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Slice(2, 0, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Transpose({0, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor tr = t.Transpose({1, 0}).value();
  EXPECT_EQ(tr.Reshape({6}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Tensor i32 = Tensor::Zeros(Shape({2, 3}), DType::kI32).value();
  EXPECT_EQ(t.CopyFrom(i32).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(i32.CheckDType(DType::kF32, "weights").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::FromStorage(t.storage(), 4, Shape({2}), {1}, DType::kF32)
                .status()
                .code(),
            absl::StatusCode::kOk);
  EXPECT_EQ(Tensor::FromStorage(t.storage(), 5, Shape({2}), {1}, DType::kF32)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Tensor, EmptyViewsOfEmptyStorageAreValid) {
  std::shared_ptr<Storage> none = Storage::Allocate(0).value();
  Tensor t =
      Tensor::FromStorage(none, 0, Shape({0, 3}), {3, 1}, DType::kF32).value();
  EXPECT_EQ(t.numel(), 0);
  EXPECT_FALSE(Tensor::FromStorage(none, 1, Shape({0}), {1}, DType::kF32).ok());
  Tensor z = Tensor::Zeros(Shape({2, 0}), DType::kF32).value();
  EXPECT_TRUE(z.Clone().ok());
}

}  // namespace
}  // namespace quantsim::engine
