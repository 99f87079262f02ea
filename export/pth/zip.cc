#include "export/pth/zip.h"

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace quantsim::pth {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr size_t kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr uint32_t k32 = 0xffffffffu;

// Slicing-by-8 tables for CRC-32 (polynomial 0xEDB88320).
struct CrcTables {
  uint32_t t[8][256];
  CrcTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s)
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

uint64_t Le(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
void PutLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

absl::Status Bad(const std::string& name, const std::string& what) {
  return absl::DataLossError(
      absl::StrCat(name, ": bad zip archive (", what, ")"));
}

// Reads the ZIP64 extended-information field of a central header's extra
// data, replacing the saturated 32-bit fields in order.
absl::Status ReadZip64Extra(absl::string_view extra, bool need_size,
                            bool need_csize, bool need_offset, ZipEntry* e,
                            uint64_t* offset, const std::string& name) {
  size_t p = 0;
  while (p + 4 <= extra.size()) {
    const uint16_t id = Le(extra.data() + p, 2);
    const uint16_t len = Le(extra.data() + p + 2, 2);
    if (len > extra.size() - p - 4) break;
    if (id == 0x0001) {
      absl::string_view f = extra.substr(p + 4, len);
      size_t q = 0;
      auto take = [&](uint64_t* v) {
        if (q + 8 > f.size()) return false;
        *v = Le(f.data() + q, 8);
        q += 8;
        return true;
      };
      if ((need_size && !take(&e->size)) ||
          (need_csize && !take(&e->compressed_size)) ||
          (need_offset && !take(offset))) {
        return Bad(name,
                   absl::StrCat("short ZIP64 field of entry '", e->name, "'"));
      }
      return absl::OkStatus();
    }
    p += 4 + len;
  }
  return Bad(name, absl::StrCat("entry '", e->name, "' lacks its ZIP64 field"));
}

}  // namespace

uint32_t Crc32(absl::string_view data, uint32_t crc) {
  static const CrcTables* const tables = new CrcTables();
  const auto& t = tables->t;
  uint32_t c = ~crc;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    const uint32_t a =
        c ^ (p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24);
    c = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^
        t[4][a >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

absl::StatusOr<std::vector<ZipEntry>> ParseZip(absl::string_view bytes,
                                               const std::string& name) {
  const size_t size = bytes.size();
  if (size < kEndSize) return Bad(name, "shorter than an end record");
  // The end record is last, followed only by its comment (<= 65535 bytes).
  size_t end = std::string::npos;
  const size_t lowest = size - kEndSize > 65535 ? size - kEndSize - 65535 : 0;
  for (size_t p = size - kEndSize + 1; p-- > lowest;) {
    if (Le(bytes.data() + p, 4) == kEndSig &&
        p + kEndSize + Le(bytes.data() + p + 20, 2) <= size) {
      end = p;
      break;
    }
  }
  if (end == std::string::npos)
    return Bad(name, "no end-of-central-directory record");
  const char* e = bytes.data() + end;
  uint64_t count = Le(e + 10, 2), cd_size = Le(e + 12, 4),
           cd_offset = Le(e + 16, 4);
  if (end >= kZip64LocatorSize &&
      Le(bytes.data() + end - kZip64LocatorSize, 4) == kZip64LocatorSig) {
    const uint64_t z = Le(bytes.data() + end - kZip64LocatorSize + 8, 8);
    if (size < kZip64EndSize || z > size - kZip64EndSize ||
        Le(bytes.data() + z, 4) != kZip64EndSig) {
      return Bad(name, "ZIP64 locator points at no ZIP64 end record");
    }
    count = Le(bytes.data() + z + 32, 8);
    cd_size = Le(bytes.data() + z + 40, 8);
    cd_offset = Le(bytes.data() + z + 48, 8);
  }
  if (cd_offset > size || cd_size > size - cd_offset) {
    return Bad(name,
               absl::StrCat("central directory [", cd_offset, ", +", cd_size,
                            ") is outside the ", size, "-byte file"));
  }
  if (count > cd_size / kCentralSize) {
    return Bad(name, absl::StrCat(count, " entries cannot fit a ", cd_size,
                                  "-byte central directory"));
  }
  std::vector<ZipEntry> entries;
  entries.reserve(count);
  size_t p = cd_offset;
  const size_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (cd_end - p < kCentralSize || Le(bytes.data() + p, 4) != kCentralSig) {
      return Bad(name,
                 absl::StrCat("central directory entry ", i, " is malformed"));
    }
    const char* c = bytes.data() + p;
    ZipEntry z;
    const uint16_t flags = Le(c + 8, 2);
    z.method = Le(c + 10, 2);
    z.crc32 = Le(c + 16, 4);
    z.compressed_size = Le(c + 20, 4);
    z.size = Le(c + 24, 4);
    const size_t name_len = Le(c + 28, 2), extra_len = Le(c + 30, 2),
                 comment_len = Le(c + 32, 2);
    uint64_t header = Le(c + 42, 4);
    if (cd_end - p - kCentralSize < name_len + extra_len + comment_len) {
      return Bad(name, absl::StrCat("central directory entry ", i,
                                    " overruns the directory"));
    }
    z.name.assign(c + kCentralSize, name_len);
    if (flags & 1)
      return absl::UnimplementedError(
          absl::StrCat(name, ": entry '", z.name, "' is encrypted"));
    const bool need_size = z.size == k32, need_csize = z.compressed_size == k32,
               need_offset = header == k32;
    if (need_size || need_csize || need_offset) {
      absl::Status s = ReadZip64Extra(
          absl::string_view(c + kCentralSize + name_len, extra_len), need_size,
          need_csize, need_offset, &z, &header, name);
      if (!s.ok()) return s;
    }
    if (header > size || size - header < kLocalSize ||
        Le(bytes.data() + header, 4) != kLocalSig) {
      return Bad(name,
                 absl::StrCat("entry '", z.name,
                              "' has no local header at offset ", header));
    }
    const uint64_t data = header + kLocalSize +
                          Le(bytes.data() + header + 26, 2) +
                          Le(bytes.data() + header + 28, 2);
    if (data > size || z.compressed_size > size - data) {
      return Bad(name,
                 absl::StrCat("entry '", z.name, "' (", z.compressed_size,
                              " bytes at offset ", data, ") is truncated"));
    }
    if (z.method == 0 && z.size != z.compressed_size) {
      return Bad(name, absl::StrCat("stored entry '", z.name,
                                    "' has two different sizes"));
    }
    z.data_offset = data;
    entries.push_back(std::move(z));
    p += kCentralSize + name_len + extra_len + comment_len;
  }
  return entries;
}

absl::StatusOr<absl::string_view> ZipEntryData(absl::string_view bytes,
                                               const ZipEntry& entry,
                                               const std::string& name) {
  if (entry.method != 0) {
    return absl::UnimplementedError(absl::StrCat(
        name, ": zip entry '", entry.name, "' is compressed (method ",
        entry.method,
        "); only stored entries are read, as torch.save writes them"));
  }
  if (entry.data_offset > bytes.size() ||
      entry.size > bytes.size() - entry.data_offset) {
    return Bad(name, absl::StrCat("entry '", entry.name, "' is truncated"));
  }
  absl::string_view data = bytes.substr(entry.data_offset, entry.size);
  const uint32_t crc = Crc32(data);
  if (crc != entry.crc32) {
    return absl::DataLossError(absl::StrCat(
        name, ": zip entry '", entry.name, "' fails its CRC-32 check (stored ",
        entry.crc32, ", computed ", crc, ")"));
  }
  return data;
}

void ZipWriter::AddStored(const std::string& name, absl::string_view data,
                          size_t alignment) {
  const uint64_t header = out_.size();
  const bool zip64 = data.size() >= k32;
  const size_t zip64_len = zip64 ? 20 : 0;
  // Data starts after the header, the name, the ZIP64 field and a 4-byte
  // padding field header ("FB", as torch writes it).
  const size_t start = header + kLocalSize + name.size() + zip64_len + 4;
  const size_t pad = (alignment - start % alignment) % alignment;
  const uint32_t crc = Crc32(data);
  PutLe(&out_, kLocalSig, 4);
  PutLe(&out_, zip64 ? 45 : 20, 2);  // version needed
  PutLe(&out_, 0, 2);                // flags
  PutLe(&out_, 0, 2);                // stored
  PutLe(&out_, 0, 4);                // time, date
  PutLe(&out_, crc, 4);
  PutLe(&out_, zip64 ? k32 : data.size(), 4);
  PutLe(&out_, zip64 ? k32 : data.size(), 4);
  PutLe(&out_, name.size(), 2);
  PutLe(&out_, zip64_len + 4 + pad, 2);
  out_ += name;
  if (zip64) {
    PutLe(&out_, 0x0001, 2);
    PutLe(&out_, 16, 2);
    PutLe(&out_, data.size(), 8);
    PutLe(&out_, data.size(), 8);
  }
  out_ += "FB";
  PutLe(&out_, pad, 2);
  out_.append(pad, 'Z');
  out_.append(data.data(), data.size());
  records_.push_back({name, crc, data.size(), header});
}

std::string ZipWriter::Finish(bool force_zip64) {
  const uint64_t cd_offset = out_.size();
  bool any64 = force_zip64;
  for (const Record& r : records_) {
    const bool big = force_zip64 || r.size >= k32;
    const bool far = force_zip64 || r.header_offset >= k32;
    any64 = any64 || big || far;
    PutLe(&out_, kCentralSig, 4);
    PutLe(&out_, big || far ? 45 : 20, 2);  // made by
    PutLe(&out_, big || far ? 45 : 20, 2);  // needed
    PutLe(&out_, 0, 2);
    PutLe(&out_, 0, 2);
    PutLe(&out_, 0, 4);
    PutLe(&out_, r.crc32, 4);
    PutLe(&out_, big ? k32 : r.size, 4);
    PutLe(&out_, big ? k32 : r.size, 4);
    PutLe(&out_, r.name.size(), 2);
    const int extra = (big ? 16 : 0) + (far ? 8 : 0);
    PutLe(&out_, extra ? extra + 4 : 0, 2);
    PutLe(&out_, 0, 2);  // comment
    PutLe(&out_, 0, 2);  // disk
    PutLe(&out_, 0, 2);  // internal attributes
    PutLe(&out_, 0, 4);  // external attributes
    PutLe(&out_, far ? k32 : r.header_offset, 4);
    out_ += r.name;
    if (extra) {
      PutLe(&out_, 0x0001, 2);
      PutLe(&out_, extra, 2);
      if (big) {
        PutLe(&out_, r.size, 8);
        PutLe(&out_, r.size, 8);
      }
      if (far) PutLe(&out_, r.header_offset, 8);
    }
  }
  const uint64_t cd_size = out_.size() - cd_offset;
  const uint64_t n = records_.size();
  any64 = any64 || cd_offset >= k32 || n >= 0xffff;
  if (any64) {
    const uint64_t z = out_.size();
    PutLe(&out_, kZip64EndSig, 4);
    PutLe(&out_, kZip64EndSize - 12, 8);
    PutLe(&out_, 45, 2);
    PutLe(&out_, 45, 2);
    PutLe(&out_, 0, 8);  // this disk, directory disk
    PutLe(&out_, n, 8);
    PutLe(&out_, n, 8);
    PutLe(&out_, cd_size, 8);
    PutLe(&out_, cd_offset, 8);
    PutLe(&out_, kZip64LocatorSig, 4);
    PutLe(&out_, 0, 4);
    PutLe(&out_, z, 8);
    PutLe(&out_, 1, 4);
  }
  PutLe(&out_, kEndSig, 4);
  PutLe(&out_, 0, 4);
  PutLe(&out_, n >= 0xffff ? 0xffff : n, 2);
  PutLe(&out_, n >= 0xffff ? 0xffff : n, 2);
  PutLe(&out_, cd_size >= k32 ? k32 : cd_size, 4);
  PutLe(&out_, cd_offset >= k32 ? k32 : cd_offset, 4);
  PutLe(&out_, 0, 2);
  records_.clear();
  return std::move(out_);
}

}  // namespace quantsim::pth
