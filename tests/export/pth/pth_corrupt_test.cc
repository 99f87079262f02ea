// Corrupt, hostile and unsupported .pth inputs: each gives a Status naming
// the file (and key or entry), never a crash.
#include <cstring>
#include <string>
#include <vector>

#include "engine/file.h"
#include "export/pth/pickle.h"
#include "export/pth/pth.h"
#include "export/pth/zip.h"
#include "gtest/gtest.h"

namespace quantsim::pth {
namespace {

using absl::StatusCode;
using namespace std::string_literals;  // NOLINT: pickles hold NULs

std::string Golden() {
  absl::StatusOr<std::string> b =
      engine::ReadFile("tests/data/pth/digits_cnn.pth");
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

// A torch-style archive from a hand-written pickle and storages.
std::string Archive(
    const std::string& pickle,
    const std::vector<std::pair<std::string, std::string>>& storages = {}) {
  ZipWriter z;
  z.AddStored("archive/data.pkl", pickle);
  for (const auto& [key, data] : storages)
    z.AddStored("archive/data/" + key, data);
  z.AddStored("archive/version", "3\n");
  return z.Finish();
}

// A pickle of {key: tensor(storage '0' of `numel` floats, offset, size,
// stride)}.
std::string TensorPickle(const std::string& key, int64_t numel, int64_t offset,
                         std::vector<int64_t> size,
                         std::vector<int64_t> stride) {
  PickleWriter w;
  w.Global("collections", "OrderedDict");
  w.EmptyTuple();
  w.Reduce();
  w.Mark();
  w.String(key);
  w.Global("torch._utils", "_rebuild_tensor_v2");
  w.Mark();
  w.Mark();
  w.String("storage");
  w.Global("torch", "FloatStorage");
  w.String("0");
  w.String("cpu");
  w.Int(numel);
  w.Tuple();
  w.PersId();
  w.Int(offset);
  w.IntTuple(size);
  w.IntTuple(stride);
  w.Bool(false);
  w.Global("collections", "OrderedDict");
  w.EmptyTuple();
  w.Reduce();
  w.Tuple();
  w.Reduce();
  w.SetItems();
  return w.Finish();
}

void ExpectError(const absl::StatusOr<StateDict>& r, StatusCode code,
                 const std::vector<std::string>& needles) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status();
  for (const std::string& n : needles) {
    EXPECT_NE(r.status().message().find(n), std::string::npos)
        << "'" << n << "' not in: " << r.status();
  }
}

TEST(PthCorruptTest, ValidHandMadeArchiveParses) {
  const std::string f(16, '\0');
  absl::StatusOr<StateDict> sd = ParsePth(
      Archive(TensorPickle("w", 4, 1, {3}, {1}), {{"0", f}}), "ok.pth");
  ASSERT_TRUE(sd.ok()) << sd.status();
  EXPECT_EQ((*sd)[0].tensor.offset(), 1);
}

TEST(PthCorruptTest, BigEndianStoragesAreSwappedAndMissingFilesNamed) {
  ZipWriter z;
  z.AddStored("m/data.pkl", TensorPickle("w", 2, 0, {2}, {1}));
  z.AddStored("m/byteorder", "big");
  z.AddStored("m/data/0", "\x3f\x80\x00\x00\x40\x00\x00\x00"s);  // 1.0f, 2.0f
  absl::StatusOr<StateDict> sd = ParsePth(z.Finish(), "be.pth");
  ASSERT_TRUE(sd.ok()) << sd.status();
  EXPECT_EQ((*sd)[0].tensor.data<float>()[0], 1.0f);
  EXPECT_EQ((*sd)[0].tensor.data<float>()[1], 2.0f);
  ZipWriter odd;
  odd.AddStored("m/data.pkl", TensorPickle("w", 2, 0, {2}, {1}));
  odd.AddStored("m/byteorder", "middle");
  ExpectError(ParsePth(odd.Finish(), "odd.pth"), StatusCode::kDataLoss,
              {"odd.pth", "byteorder"});
  absl::StatusOr<StateDict> none = ReadPth("tests/data/pth/no_such_file.pth");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("no_such_file.pth"),
            std::string::npos);
}

TEST(PthCorruptTest, StorageShorterThanView) {
  const std::string f(16, '\0');  // 4 floats
  ExpectError(
      ParsePth(
          Archive(TensorPickle("fc.weight", 4, 1, {2, 2}, {2, 1}), {{"0", f}}),
          "bad.pth"),
      StatusCode::kDataLoss, {"bad.pth", "'fc.weight'", "beyond the end"});
  // Huge strides must not overflow.
  ExpectError(
      ParsePth(Archive(TensorPickle("w", 4, 0, {3, 2}, {int64_t{1} << 62, 1}),
                       {{"0", f}}),
               "bad.pth"),
      StatusCode::kDataLoss, {"'w'"});
  // The entry holds fewer bytes than the storage declares.
  ExpectError(ParsePth(Archive(TensorPickle("w", 5, 0, {4}, {1}), {{"0", f}}),
                       "bad.pth"),
              StatusCode::kDataLoss, {"bad.pth", "'w'", "archive/data/0"});
  // The storage entry is absent.
  ExpectError(ParsePth(Archive(TensorPickle("w", 4, 0, {4}, {1})), "bad.pth"),
              StatusCode::kDataLoss, {"'w'", "missing"});
  ExpectError(ParsePth(Archive(TensorPickle("w", 4, -1, {2}, {1}), {{"0", f}}),
                       "bad.pth"),
              StatusCode::kDataLoss, {"'w'", "negative"});
}

TEST(PthCorruptTest, BadZipDirectory) {
  std::string b = Golden();
  const size_t end = b.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(end, std::string::npos);
  // Without its ZIP64 records the end record is used: point it past the end.
  std::string no64 = b;
  const size_t loc = b.rfind(std::string("PK\x06\x07", 4));
  no64[loc] = 'X';
  std::memcpy(&no64[end + 16], "\xff\xff\xff\x7f", 4);
  ExpectError(ParsePth(no64, "dir.pth"), StatusCode::kDataLoss,
              {"dir.pth", "central directory"});
  // A central directory entry with a broken signature.
  std::string broken = b;
  const size_t cd = b.find(std::string("PK\x01\x02", 4));
  broken[cd + 1] = 'X';
  ExpectError(ParsePth(broken, "dir.pth"), StatusCode::kDataLoss, {"dir.pth"});
  // No end record at all.
  ExpectError(ParsePth(b.substr(0, end), "cut.pth"), StatusCode::kDataLoss,
              {"cut.pth", "end-of-central-directory"});
  EXPECT_EQ(ParsePth("PK", "tiny.pth").status().code(), StatusCode::kDataLoss);
}

TEST(PthCorruptTest, TruncationsNeverCrash) {
  const std::string b = Golden();
  for (size_t n = 0; n < b.size(); n += 997) {
    absl::StatusOr<StateDict> r = ParsePth(b.substr(0, n), "trunc.pth");
    EXPECT_FALSE(r.ok()) << n;
    if (!r.ok())
      EXPECT_NE(r.status().message().find("trunc.pth"), std::string::npos);
  }
}

TEST(PthCorruptTest, BadCrcNamesTheEntry) {
  std::string b = Golden();
  absl::StatusOr<std::vector<ZipEntry>> entries = ParseZip(b, "crc.pth");
  ASSERT_TRUE(entries.ok()) << entries.status();
  for (const ZipEntry& e : *entries) {
    if (e.name == "digits_cnn/data/14") b[e.data_offset + 100] ^= 1;
  }
  ExpectError(ParsePth(b, "crc.pth"), StatusCode::kDataLoss,
              {"crc.pth", "digits_cnn/data/14", "CRC"});
}

TEST(PthCorruptTest, CompressedEntryIsUnimplemented) {
  std::string b = Archive(TensorPickle("w", 4, 0, {4}, {1}),
                          {{"0", std::string(16, '\0')}});
  // Mark the storage entry deflated in the central directory.
  size_t cd = b.find(std::string("PK\x01\x02", 4));
  cd = b.find(std::string("PK\x01\x02", 4), cd + 4);
  b[cd + 10] = 8;
  ExpectError(ParsePth(b, "z.pth"), StatusCode::kUnimplemented,
              {"z.pth", "archive/data/0"});
}

TEST(PthCorruptTest, OpcodeOutsideSubset) {
  // 'I' (text INT, protocol 0) is not something torch.save writes.
  ExpectError(ParsePth(Archive(std::string("\x80\x02I1\n.", 6)), "op.pth"),
              StatusCode::kDataLoss,
              {"op.pth", "unsupported pickle opcode 0x49 at offset 2"});
  ExpectError(ParsePth(Archive(std::string("\x80\x02\xff", 3)), "op.pth"),
              StatusCode::kDataLoss, {"opcode 0xff"});
  // Stack underflow, missing STOP, bad memo.
  EXPECT_EQ(ParsePth(Archive("\x80\x02t."), "m.pth").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParsePth(Archive("\x80\x02}"), "m.pth").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParsePth(Archive("\x80\x02h\x05."), "m.pth").status().code(),
            StatusCode::kDataLoss);
}

TEST(PthCorruptTest, DisallowedGlobalIsRefused) {
  ExpectError(
      ParsePth(Archive("\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00lsR."s),
               "evil.pth"),
      StatusCode::kInvalidArgument, {"evil.pth", "'os.system'", "not allowed"});
  ExpectError(ParsePth(Archive("\x80\x02\x63torch\nload\n."), "evil.pth"),
              StatusCode::kInvalidArgument, {"'torch.load'"});
}

TEST(PthCorruptTest, NonTensorValuesAndLegacyFormat) {
  // {'epoch': 5}: a checkpoint, not a state_dict.
  ExpectError(ParsePth(Archive("\x80\x02}X\x05\x00\x00\x00\x65pochK\x05s."s),
                       "ckpt.pth"),
              StatusCode::kInvalidArgument, {"ckpt.pth", "'epoch'", "int"});
  ExpectError(ParsePth(Archive("\x80\x02]."), "list.pth"),
              StatusCode::kInvalidArgument, {"list"});
  // torch < 1.6: a pickled magic number first, then more pickles.
  const std::string magic =
      "\x80\x02\x8a\x0al\xfc\x9c"
      "F\xf9 j\xa8P\x19."s;
  ExpectError(ParsePth(magic, "old.pth"), StatusCode::kDataLoss,
              {"old.pth", "legacy format"});
  ExpectError(ParsePth("\x80\x02\x8a\x0al\xfc\x9c"
                       "F\xf9 j\xa8P\x18."s,
                       "old.pth"),
              StatusCode::kDataLoss, {"old.pth", "magic"});
  ExpectError(ParsePth(magic + "\x80\x02K\x07.", "old.pth"),
              StatusCode::kDataLoss, {"protocol version"});
  std::string tar(600, '\0');
  tar.replace(257, 5, "ustar");
  ExpectError(ParsePth(tar, "tar.pth"), StatusCode::kUnimplemented,
              {"tar.pth", "torch>=1.6"});
  ExpectError(ParsePth("hello", "txt.pth"), StatusCode::kDataLoss, {"txt.pth"});
  // TorchScript archives are told apart.
  ZipWriter z;
  z.AddStored("m/constants.pkl", "\x80\x02).");
  ExpectError(ParsePth(z.Finish(), "jit.pt"), StatusCode::kUnimplemented,
              {"TorchScript"});
}

}  // namespace
}  // namespace quantsim::pth
