// quantsim pth: PyTorch .pth/.pt state_dict files without Python.
//
// Contract:
//  - ReadPth(path) reads what torch.save(model.state_dict()) writes with
//    torch >= 1.6: a zip archive ("<any prefix>/data.pkl", "<prefix>/data/<k>"
//    storages, stored uncompressed) whose pickle is a dict or OrderedDict of
//    tensors (f32 f64 f16 bf16 i64 i32 i16 i8 u8 bool). Keys keep the file's
//    order (a repeated key keeps its first place and its last value, as in a
//    Python dict). Tensors that view one storage in the file share one
//    engine::Storage, keeping their offsets and strides. A "byteorder" entry
//    of "big" is byte-swapped. The legacy format (torch < 1.6, or
//    _use_new_zipfile_serialization=False: a sequence of pickles followed by
//    raw storages) is read too; the tar format of torch < 0.4 is not.
//  - Errors name the file and, where there is one, the key: DataLoss for a
//    corrupt archive, pickle or storage (CRC, truncation, a view outside its
//    storage); InvalidArgument for a pickle global outside the allowlist or a
//    value that is not a tensor; Unimplemented for compressed entries, the
//    tar format, legacy storage views and TorchScript archives. Nothing is
//    allocated beyond what the file's own bytes justify.
//  - WritePth writes torch's zip format atomically (engine::WriteFileAtomic):
//    "<archive>/data.pkl" (protocol 2, as torch writes it), "byteorder"
//    ("little"), "data/<n>" (each distinct storage once, stored, 64-byte
//    aligned) and "version" ("3"). torch.load of torch 1.13 reads it back
//    (tested, also with weights_only=True); 2.x reads the same format.
//    InvalidArgument for an undefined or non-CPU tensor, a dtype torch
//    cannot store (u16, u32), a repeated key, or one storage viewed as two
//    dtypes.
#ifndef QUANTSIM_EXPORT_PTH_PTH_H_
#define QUANTSIM_EXPORT_PTH_PTH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/tensor.h"

namespace quantsim::pth {

struct StateDictEntry {
  std::string key;
  engine::Tensor tensor;
};
using StateDict = std::vector<StateDictEntry>;

// The tensor stored under `key`, or nullptr.
const engine::Tensor* FindTensor(const StateDict& dict, absl::string_view key);

absl::StatusOr<StateDict> ReadPth(const std::string& path);
// Same on bytes in memory; `name` is used in messages (fuzzers call this).
absl::StatusOr<StateDict> ParsePth(absl::string_view bytes,
                                   const std::string& name);

struct PthWriteOptions {
  std::string archive_name = "archive";  // torch 2.x's; 1.13 uses the stem
  bool force_zip64 = false;              // tests: ZIP64 records always
};

absl::Status WritePth(const std::string& path, const StateDict& dict,
                      const PthWriteOptions& options = {});
// The bytes WritePth would write.
absl::StatusOr<std::string> SerializePth(const StateDict& dict,
                                         const PthWriteOptions& options = {});

}  // namespace quantsim::pth

#endif  // QUANTSIM_EXPORT_PTH_PTH_H_
