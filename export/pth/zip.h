// quantsim pth: the subset of ZIP that torch.save writes.
//
// Contract:
//  - ParseZip(bytes, name) reads the end-of-central-directory record (and the
//    ZIP64 one when present), the central directory and each local header;
//    it returns the entries in directory order with the offset of their data
//    inside `bytes`. Every offset and size is checked against `bytes` before
//    use; errors are DataLoss naming `name` (and the entry). Entry data is
//    not read: call ZipEntryData, which returns Unimplemented for a
//    compressed (non-stored) entry and DataLoss for a CRC-32 mismatch.
//  - ZipWriter builds an archive in memory: stored (uncompressed) entries
//    whose data starts on a 64-byte boundary (padding goes into an extra
//    field of the local header, as torch's PyTorchStreamWriter does), with
//    ZIP64 records when an offset or size needs them.
#ifndef QUANTSIM_EXPORT_PTH_ZIP_H_
#define QUANTSIM_EXPORT_PTH_ZIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::pth {

// CRC-32 (ISO-HDLC, as in zip and zlib), continuing from `crc`.
uint32_t Crc32(absl::string_view data, uint32_t crc = 0);

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 = stored
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t data_offset = 0;  // of the (possibly compressed) data in the file
};

absl::StatusOr<std::vector<ZipEntry>> ParseZip(absl::string_view bytes,
                                               const std::string& name);

// The stored bytes of `entry` (a view into `bytes`), CRC-checked.
absl::StatusOr<absl::string_view> ZipEntryData(absl::string_view bytes,
                                               const ZipEntry& entry,
                                               const std::string& name);

class ZipWriter {
 public:
  // Appends a stored entry; its data starts on an `alignment`-byte boundary.
  void AddStored(const std::string& name, absl::string_view data,
                 size_t alignment = 64);
  // Writes the central directory and end records; returns the archive.
  // `force_zip64` writes ZIP64 records even when not needed (tests).
  std::string Finish(bool force_zip64 = false);

 private:
  struct Record {
    std::string name;
    uint32_t crc32;
    uint64_t size;
    uint64_t header_offset;
  };
  std::string out_;
  std::vector<Record> records_;
};

}  // namespace quantsim::pth

#endif  // QUANTSIM_EXPORT_PTH_ZIP_H_
