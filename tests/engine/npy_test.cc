#include "engine/npy.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/file.h"
#include "gtest/gtest.h"

namespace quantsim::engine {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Builds a version-1.0 .npy by hand.
std::string MakeNpy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

TEST(Npy, ReadsTorchGoldenFiles) {
  Tensor y = ReadNpy("tests/data/digits/digits_test_y.npy").value();
  ASSERT_EQ(y.dtype(), DType::kI64);
  ASSERT_EQ(y.shape(), Shape({450}));
  const int64_t* yd = y.data<int64_t>();
  EXPECT_EQ(yd[0], 2);
  EXPECT_EQ(yd[3], 9);
  int64_t sum = 0;
  for (int i = 0; i < 450; ++i) sum += yd[i];
  EXPECT_EQ(sum, 2016);
  Tensor l = ReadNpy("tests/data/digits/digits_test_logits_fp32.npy").value();
  ASSERT_EQ(l.shape(), Shape({450, 10}));
  uint32_t bits;
  std::memcpy(&bits, l.data<float>(), 4);
  EXPECT_EQ(bits, 3226402111u);  // -3.2342069f, read bit for bit
}

TEST(Npy, RoundTripsEveryDType) {
  for (const DTypeTraits& t : kDTypeTable) {
    for (const Shape& shape :
         {Shape({}), Shape({5}), Shape({2, 3, 4}), Shape({0, 3})}) {
      Tensor a = Tensor::Empty(shape, t.dtype).value();
      auto* p = static_cast<uint8_t*>(a.raw_data());
      for (size_t i = 0; i < a.nbytes(); ++i)
        p[i] = static_cast<uint8_t>(i * 37 + 1);
      if (t.dtype == DType::kBool) {
        for (size_t i = 0; i < a.nbytes(); ++i) p[i] &= 1;
      }
      const std::string path = TempPath(std::string("rt_") + t.name + ".npy");
      ASSERT_TRUE(WriteNpy(path, a).ok());
      Tensor b = ReadNpy(path).value();
      EXPECT_EQ(b.dtype(), t.dtype);
      EXPECT_EQ(b.shape(), shape);
      EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0)
          << t.name << shape.ToString();
      const std::string bytes = ReadFile(path).value();
      const size_t header_len = static_cast<uint8_t>(bytes[8]) |
                                (static_cast<uint8_t>(bytes[9]) << 8);
      EXPECT_EQ((10 + header_len) % 64, 0u);  // data 64-byte aligned
    }
  }
}

TEST(Npy, WritesNonContiguousViewsInLogicalOrder) {
  std::vector<int32_t> v = {0, 1, 2, 3, 4, 5};
  Tensor t = Tensor::FromVector(Shape({2, 3}), v).value();
  const std::string path = TempPath("transposed.npy");
  ASSERT_TRUE(WriteNpy(path, t.Transpose({1, 0}).value()).ok());
  Tensor back = ReadNpy(path).value();
  ASSERT_EQ(back.shape(), Shape({3, 2}));
  EXPECT_EQ(back.data<int32_t>()[1], 3);  // [0][1] of the transpose
}

TEST(Npy, ReadsFortranOrderAndBigEndian) {
  // Fortran-order 2x3 float32: memory column-major.
  float f[6] = {0, 3, 1, 4, 2, 5};  // logical [[0,1,2],[3,4,5]]
  Tensor t = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': True, "
                              "'shape': (2, 3), }",
                              std::string(reinterpret_cast<char*>(f), 24)),
                      "fortran.npy")
                 .value();
  ASSERT_EQ(t.shape(), Shape({2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], i);
  const char be[4] = {0x00, 0x00, 0x01, 0x02};  // 258 big-endian
  Tensor b = ParseNpy(MakeNpy("{'descr': '>i4', 'fortran_order': False, "
                              "'shape': (1,), }",
                              std::string(be, 4)),
                      "be.npy")
                 .value();
  EXPECT_EQ(b.data<int32_t>()[0], 258);
}

TEST(Npy, BadFilesGiveClearErrorsNamingTheFile) {
  const std::string good_dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
  struct Case {
    std::string bytes;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {"not numpy at all", absl::StatusCode::kDataLoss},
      {std::string("\x93NUMPY\x01\x00\xff\x7f", 10) + "{",
       absl::StatusCode::kDataLoss},
      {std::string("\x93NUMPY\x09\x00", 8) + "xx", absl::StatusCode::kDataLoss},
      {MakeNpy(good_dict, std::string(15, '\0')), absl::StatusCode::kDataLoss},
      {MakeNpy("{'descr': '<f4', 'shape': (4,), }", std::string(16, '\0')),
       absl::StatusCode::kDataLoss},
      {MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,", ""),
       absl::StatusCode::kDataLoss},
      {MakeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "x"),
       absl::StatusCode::kInvalidArgument},
      {MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
               ""),
       absl::StatusCode::kInvalidArgument},
      // A shape claiming 2^60 elements must fail before allocating.
      {MakeNpy("{'descr': '<f4', 'fortran_order': False, "
               "'shape': (1073741824, 1073741824), }",
               std::string(64, '\0')),
       absl::StatusCode::kDataLoss},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Tensor> t = ParseNpy(c.bytes, "bad.npy");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), c.code) << t.status();
    EXPECT_NE(t.status().message().find("bad.npy"), absl::string_view::npos)
        << t.status();
  }
  EXPECT_TRUE(ParseNpy(MakeNpy(good_dict, std::string(16, '\0')), "ok").ok());
  EXPECT_EQ(ReadNpy(TempPath("does_not_exist.npy")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Npy, FailedWriteLeavesNoFile) {
  Tensor t = Tensor::Zeros(Shape({3}), DType::kF32).value();
  const std::string path = TempPath("no_such_dir/x.npy");
  absl::Status s = WriteNpy(path, t);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no_such_dir"), absl::string_view::npos);
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace quantsim::engine
