// Bad ONNX input gives a clean Status naming the file, tensor or node;
// never a crash (the fuzzer, tests/fuzz/onnx_fuzzer.cc, goes further).
#include <cstdlib>
#include <random>
#include <string>

#include "engine/file.h"
#include "export/onnx.h"
#include "gtest/gtest.h"
#include "tests/export/onnx_test_util.h"

namespace quantsim::io {
namespace {

using testing::AddFloatInit;
using testing::AddNode;
using testing::Bytes;
using testing::MakeModel;

std::string Digits() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  const std::string base =
      srcdir ? std::string(srcdir) + "/" + (ws ? ws : "quantsim") + "/" : "";
  absl::StatusOr<std::string> b =
      engine::ReadFile(base + "tests/data/onnx/digits_cnn.onnx");
  return b.ok() ? *b : std::string();
}

TEST(OnnxCorrupt, TruncatedFileIsDataLossOrInvalidNamingTheFile) {
  const std::string bytes = Digits();
  ASSERT_GT(bytes.size(), 100000u);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{40}, size_t{300},
                     size_t{5000}, bytes.size() / 2, bytes.size() - 100,
                     bytes.size() - 10, bytes.size() - 1}) {
    absl::StatusOr<OnnxModel> r =
        ParseOnnx(bytes.substr(0, cut), "digits_cut.onnx");
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_TRUE(r.status().code() == absl::StatusCode::kDataLoss ||
                r.status().code() == absl::StatusCode::kInvalidArgument)
        << r.status();
    EXPECT_NE(r.status().message().find("digits_cut.onnx"), std::string::npos)
        << r.status();
  }
}

TEST(OnnxCorrupt, TruncatedFileOnDisk) {
  const std::string bytes = Digits();
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                             : "/tmp") +
      "/trunc.onnx";
  ASSERT_TRUE(engine::WriteFileAtomic(path, bytes.substr(0, 1000)).ok());
  absl::StatusOr<OnnxModel> r = ReadOnnx(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  EXPECT_EQ(ReadOnnx(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(OnnxCorrupt, FlippedBytesNeverCrash) {
  const std::string bytes = Digits();
  std::mt19937 rng(7);
  int failed = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string b = bytes;
    const int flips = 1 + trial % 8;
    for (int k = 0; k < flips; ++k) {
      // Mostly the structure (the first 2 KB and the last 2 KB), where a
      // flip changes tags and lengths rather than weight bits.
      const size_t region = trial % 2 ? 2048 : b.size();
      size_t pos = rng() % region;
      if (trial % 4 == 1) pos = b.size() - 1 - pos;
      b[pos] = static_cast<char>(b[pos] ^ (1u << (rng() % 8)));
    }
    absl::StatusOr<OnnxModel> r = ParseOnnx(b, "flipped.onnx");
    if (!r.ok()) {
      ++failed;
      EXPECT_NE(r.status().code(), absl::StatusCode::kOk);
    } else {
      (void)SerializeOnnx(r->graph);
    }
  }
  EXPECT_GT(failed, 0);
}

TEST(OnnxCorrupt, TensorShorterOrLongerThanItsShape) {
  onnx::ModelProto m = MakeModel(13, {3});
  AddFloatInit(m, "short_w", {4}, {1, 2, 3});
  AddNode(m, "Add", "add", {"x", "short_w"}, {"y"});
  auto r = ParseOnnx(Bytes(m), "t.onnx");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("short_w"), std::string::npos);

  onnx::ModelProto m2 = MakeModel(13, {3});
  auto* t = m2.mutable_graph()->add_initializer();
  t->set_name("raw_w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1000000);
  t->add_dims(1000000);  // 4 TB claimed, 8 bytes present
  t->set_raw_data(std::string(8, '\0'));
  AddNode(m2, "Add", "add", {"x", "raw_w"}, {"y"});
  r = ParseOnnx(Bytes(m2), "t.onnx");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("raw_w"), std::string::npos);
}

TEST(OnnxCorrupt, NegativeDimsAndBadTypes) {
  onnx::ModelProto m = MakeModel(13, {3});
  AddFloatInit(m, "neg", {-2}, {});
  AddNode(m, "Add", "add", {"x", "neg"}, {"y"});
  auto r = ParseOnnx(Bytes(m), "t.onnx");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("neg"), std::string::npos);

  onnx::ModelProto m2 = MakeModel(13, {3});
  auto* s = m2.mutable_graph()->add_initializer();
  s->set_name("strings");
  s->set_data_type(onnx::TensorProto::STRING);
  s->add_string_data("a");
  AddNode(m2, "Identity", "id", {"x"}, {"y"});
  r = ParseOnnx(Bytes(m2), "t.onnx");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("strings"), std::string::npos);

  onnx::ModelProto m3 = MakeModel(13, {3}, {"y"}, /*ir_version=*/2);
  AddNode(m3, "Identity", "id", {"x"}, {"y"});
  EXPECT_EQ(ParseOnnx(Bytes(m3), "t.onnx").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OnnxCorrupt, OutputWithoutProducer) {
  onnx::ModelProto m = MakeModel(13, {3}, {"ghost"});
  AddNode(m, "Identity", "id", {"x"}, {"y"});
  auto r = ParseOnnx(Bytes(m), "t.onnx");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("ghost"), std::string::npos);
}

}  // namespace
}  // namespace quantsim::io
