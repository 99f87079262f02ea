// .pth reader/writer: golden torch 1.13 files, bit-exact round trips of every
// dtype, strided/offset views and shared storages.
#include "export/pth/pth.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/file.h"
#include "engine/npy.h"
#include "export/pth/zip.h"
#include "gtest/gtest.h"

namespace quantsim::pth {
namespace {

using engine::DType;
using engine::Tensor;

const char kPth[] = "tests/data/pth/digits_cnn.pth";
const char kFoldedPth[] = "tests/data/pth/digits_cnn_folded.pth";

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// The element bytes of `t` in C order.
std::string Bytes(const Tensor& t) {
  absl::StatusOr<Tensor> c = t.Contiguous();
  EXPECT_TRUE(c.ok()) << c.status();
  return std::string(static_cast<const char*>(c->raw_data()), c->nbytes());
}

void ExpectSameTensor(const Tensor& a, const Tensor& b,
                      const std::string& key) {
  SCOPED_TRACE(key);
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  const std::string x = Bytes(a), y = Bytes(b);
  ASSERT_EQ(x.size(), y.size());
  size_t diff = 0;
  while (diff < x.size() && x[diff] == y[diff]) ++diff;
  EXPECT_EQ(diff, x.size()) << "first differing byte";
}

// Largest distance in units in the last place between two f32 tensors.
int64_t MaxUlp(const Tensor& a, const Tensor& b) {
  const std::string x = Bytes(a), y = Bytes(b);
  int64_t worst = 0;
  for (size_t i = 0; i + 4 <= x.size(); i += 4) {
    int32_t u, v;
    std::memcpy(&u, &x[i], 4);
    std::memcpy(&v, &y[i], 4);
    const int64_t su = u < 0 ? -int64_t{u & 0x7fffffff} : u;
    const int64_t sv = v < 0 ? -int64_t{v & 0x7fffffff} : v;
    worst = std::max(worst, su > sv ? su - sv : sv - su);
  }
  return worst;
}

TEST(PthTest, ReadsTorch113StateDict) {
  absl::StatusOr<StateDict> sd = ReadPth(kPth);
  ASSERT_TRUE(sd.ok()) << sd.status();
  std::vector<std::string> keys;
  for (const StateDictEntry& e : *sd) keys.push_back(e.key);
  const std::vector<std::string> expected = {"conv1.weight",
                                             "conv1.bias",
                                             "bn1.weight",
                                             "bn1.bias",
                                             "bn1.running_mean",
                                             "bn1.running_var",
                                             "bn1.num_batches_tracked",
                                             "conv2.weight",
                                             "conv2.bias",
                                             "bn2.weight",
                                             "bn2.bias",
                                             "bn2.running_mean",
                                             "bn2.running_var",
                                             "bn2.num_batches_tracked",
                                             "fc1.weight",
                                             "fc1.bias",
                                             "fc2.weight",
                                             "fc2.bias"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(FindTensor(*sd, "conv1.weight")->shape(),
            engine::Shape({16, 1, 3, 3}));
  EXPECT_EQ(FindTensor(*sd, "conv2.weight")->shape(),
            engine::Shape({32, 16, 3, 3}));
  EXPECT_EQ(FindTensor(*sd, "fc1.weight")->shape(), engine::Shape({64, 512}));
  const Tensor* nbt = FindTensor(*sd, "bn1.num_batches_tracked");
  ASSERT_NE(nbt, nullptr);
  EXPECT_EQ(nbt->dtype(), DType::kI64);
  EXPECT_EQ(nbt->rank(), 0);
  EXPECT_GT(*nbt->data<int64_t>(), 0);
  EXPECT_EQ(FindTensor(*sd, "bn1.weight")->dtype(), DType::kF32);
  EXPECT_EQ(FindTensor(*sd, "nope"), nullptr);
}

// The BN-folded ONNX model shares fc1/fc2 with both .pth files bit for bit.
// Its conv initializers come from torch.onnx's own BN folding, so
// digits_cnn_folded.pth's conv tensors are checked bit for bit against what
// torch.load reads (folded.*.npy) and within 2 ulp of the ONNX ones.
TEST(PthTest, MatchesOnnxInitializersAndTorchLoad) {
  absl::StatusOr<StateDict> sd = ReadPth(kPth);
  ASSERT_TRUE(sd.ok()) << sd.status();
  absl::StatusOr<StateDict> folded = ReadPth(kFoldedPth);
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(folded->size(), 8u);
  for (const char* key : {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}) {
    absl::StatusOr<Tensor> npy =
        engine::ReadNpy(std::string("tests/data/digits/") + key + ".npy");
    ASSERT_TRUE(npy.ok()) << npy.status();
    for (const StateDict* d : {&*sd, &*folded}) {
      ASSERT_NE(FindTensor(*d, key), nullptr) << key;
      ExpectSameTensor(*FindTensor(*d, key), *npy, key);
    }
  }
  for (const char* key : {"conv1.weight", "conv2.bias"}) {
    absl::StatusOr<Tensor> torch =
        engine::ReadNpy(std::string("tests/data/pth/folded.") + key + ".npy");
    ASSERT_TRUE(torch.ok()) << torch.status();
    ASSERT_NE(FindTensor(*folded, key), nullptr) << key;
    ExpectSameTensor(*FindTensor(*folded, key), *torch, key);
  }
  for (const char* key :
       {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}) {
    absl::StatusOr<Tensor> onnx =
        engine::ReadNpy(std::string("tests/data/digits/") + key + ".npy");
    ASSERT_TRUE(onnx.ok()) << onnx.status();
    const Tensor* t = FindTensor(*folded, key);
    ASSERT_NE(t, nullptr) << key;
    ASSERT_EQ(t->shape(), onnx->shape()) << key;
    EXPECT_LE(MaxUlp(*t, *onnx), 2) << key;
    // The unfolded weights are far from the folded ones.
    EXPECT_GT(MaxUlp(*FindTensor(*sd, key), *onnx), 1000) << key;
  }
}

// torch 1.13 with _use_new_zipfile_serialization=False: the same state_dict
// as torch_interop_reference.pth in the legacy (pre-1.6) format.
TEST(PthTest, ReadsLegacyFormat) {
  absl::StatusOr<StateDict> zip =
      ReadPth("tests/data/pth/torch_interop_reference.pth");
  ASSERT_TRUE(zip.ok()) << zip.status();
  const std::string legacy_path =
      "tests/data/pth/torch_interop_reference_legacy.pth";
  absl::StatusOr<StateDict> legacy = ReadPth(legacy_path);
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  ASSERT_EQ(legacy->size(), zip->size());
  for (size_t i = 0; i < zip->size(); ++i) {
    EXPECT_EQ((*legacy)[i].key, (*zip)[i].key);
    ExpectSameTensor((*legacy)[i].tensor, (*zip)[i].tensor, (*zip)[i].key);
    EXPECT_EQ((*legacy)[i].tensor.strides(), (*zip)[i].tensor.strides());
    EXPECT_EQ((*legacy)[i].tensor.offset(), (*zip)[i].tensor.offset());
  }
  const Tensor* base = FindTensor(*legacy, "base");
  ASSERT_NE(base, nullptr);
  EXPECT_TRUE(base->SharesStorageWith(*FindTensor(*legacy, "base.T")));
  EXPECT_TRUE(base->SharesStorageWith(*FindTensor(*legacy, "base.slice")));
  // Every truncation fails cleanly, naming the file.
  absl::StatusOr<std::string> bytes = engine::ReadFile(legacy_path);
  ASSERT_TRUE(bytes.ok());
  for (size_t n = 0; n < bytes->size(); n += 7) {
    absl::StatusOr<StateDict> r = ParsePth(bytes->substr(0, n), "cut.pth");
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.status().message().find("cut.pth"), std::string::npos)
        << r.status();
  }
}

TEST(PthTest, RewritesTorchFileIdentically) {
  absl::StatusOr<StateDict> sd = ReadPth(kPth);
  ASSERT_TRUE(sd.ok()) << sd.status();
  const std::string path = TempPath("digits_rewritten.pth");
  ASSERT_TRUE(WritePth(path, *sd).ok());
  absl::StatusOr<StateDict> back = ReadPth(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), sd->size());
  for (size_t i = 0; i < sd->size(); ++i) {
    EXPECT_EQ((*back)[i].key, (*sd)[i].key);
    ExpectSameTensor((*back)[i].tensor, (*sd)[i].tensor, (*sd)[i].key);
  }
}

// Deterministic test values of every dtype torch stores.
Tensor Make(DType dtype, const engine::Shape& shape, int seed) {
  absl::StatusOr<Tensor> t = Tensor::Empty(shape, dtype);
  EXPECT_TRUE(t.ok());
  uint8_t* p = static_cast<uint8_t*>(t->raw_data());
  uint32_t x = 2463534242u + seed;
  for (size_t i = 0; i < t->nbytes(); ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = static_cast<uint8_t>(x >> 7);
  }
  if (dtype == DType::kBool) {
    for (size_t i = 0; i < t->nbytes(); ++i) p[i] &= 1;
  }
  return *t;
}

TEST(PthTest, RoundTripsEveryDTypeBitExactly) {
  const DType dtypes[] = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16,
                          DType::kI64, DType::kI32, DType::kI16, DType::kI8,
                          DType::kU8,  DType::kBool};
  StateDict sd;
  int seed = 0;
  for (DType d : dtypes) {
    sd.push_back(
        {std::string("t.") + engine::DTypeName(d), Make(d, {3, 5, 2}, ++seed)});
  }
  sd.push_back(
      {"scalar", Make(DType::kF32, engine::Shape(std::vector<int64_t>{}), 99)});
  sd.push_back({"empty", Make(DType::kF32, {0, 4}, 100)});
  sd.push_back({"big", Make(DType::kF32, {70000}, 101)});  // ints over 65535
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64);
    PthWriteOptions opt;
    opt.force_zip64 = zip64;
    opt.archive_name = zip64 ? "some_model" : "archive";
    absl::StatusOr<std::string> bytes = SerializePth(sd, opt);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<StateDict> back = ParsePth(*bytes, "mem.pth");
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(back->size(), sd.size());
    for (size_t i = 0; i < sd.size(); ++i) {
      EXPECT_EQ((*back)[i].key, sd[i].key);
      ExpectSameTensor((*back)[i].tensor, sd[i].tensor, sd[i].key);
    }
  }
}

TEST(PthTest, KeepsViewsAndSharedStorages) {
  Tensor base = Make(DType::kF32, {4, 6}, 7);
  absl::StatusOr<Tensor> transposed = base.Transpose({1, 0});
  absl::StatusOr<Tensor> slice = base.Slice(0, 1, 2);
  ASSERT_TRUE(transposed.ok() && slice.ok());
  absl::StatusOr<Tensor> cols = slice->Slice(1, 2, 3);  // offset 8, strided
  ASSERT_TRUE(cols.ok());
  Tensor other = Make(DType::kI32, {5}, 8);
  StateDict sd = {
      {"base", base}, {"t", *transposed}, {"cols", *cols}, {"other", other}};
  const std::string path = TempPath("views.pth");
  ASSERT_TRUE(WritePth(path, sd).ok());
  absl::StatusOr<StateDict> back = ReadPth(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 4u);
  for (size_t i = 0; i < sd.size(); ++i) {
    ExpectSameTensor((*back)[i].tensor, sd[i].tensor, sd[i].key);
    EXPECT_EQ((*back)[i].tensor.strides(), sd[i].tensor.strides()) << sd[i].key;
    EXPECT_EQ((*back)[i].tensor.offset(), sd[i].tensor.offset()) << sd[i].key;
  }
  EXPECT_EQ((*back)[2].tensor.offset(), 8);
  EXPECT_EQ((*back)[1].tensor.strides(), (std::vector<int64_t>{1, 6}));
  EXPECT_TRUE((*back)[0].tensor.SharesStorageWith((*back)[1].tensor));
  EXPECT_TRUE((*back)[0].tensor.SharesStorageWith((*back)[2].tensor));
  EXPECT_FALSE((*back)[0].tensor.SharesStorageWith((*back)[3].tensor));
  // One storage was written for the three views.
  absl::StatusOr<std::string> bytes = engine::ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<std::vector<ZipEntry>> entries = ParseZip(*bytes, path);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::vector<std::string> names;
  for (const ZipEntry& e : *entries) {
    names.push_back(e.name);
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "archive/data.pkl", "archive/byteorder",
                       "archive/data/0", "archive/data/1", "archive/version"}));
}

TEST(PthTest, WriterRefusesWhatTorchCannotHold) {
  EXPECT_EQ(SerializePth({{"u", Make(DType::kU16, {2}, 1)}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SerializePth({{"a", Make(DType::kF32, {2}, 1)},
                          {"a", Make(DType::kF32, {2}, 1)}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SerializePth({{"undef", Tensor()}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // One storage seen as two dtypes.
  Tensor f = Make(DType::kF32, {4}, 1);
  absl::StatusOr<Tensor> as_int =
      Tensor::FromStorage(f.storage(), 0, engine::Shape({4}), {1}, DType::kI32);
  ASSERT_TRUE(as_int.ok());
  absl::Status s = SerializePth({{"f", f}, {"i", *as_int}}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'i'"), std::string::npos) << s;
}

TEST(PthTest, Crc32MatchesKnownValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926u);
}

}  // namespace
}  // namespace quantsim::pth
