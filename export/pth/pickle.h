// quantsim pth: the subset of Python's pickle that torch.save writes for a
// state_dict, read and written without Python.
//
// Contract:
//  - Unpickle runs a pickle VM over `data` that knows the opcodes of
//    protocols 2-4 a state_dict uses (containers, ints, floats, strings,
//    memo, MARK, REDUCE, BUILD, BINPERSID, FRAME...). It never executes
//    anything: GLOBAL resolves only an allowlist (collections.OrderedDict,
//    torch._utils._rebuild_tensor_v2 / _rebuild_parameter[_with_state],
//    torch.<T>Storage) and REDUCE applies only those. Tensors come back as
//    PickleObj::kTensor records (storage key, dtype, offset, sizes, strides)
//    that the caller validates against the storages it loads.
//  - Errors are DataLoss naming `name` and the byte offset ("unsupported
//    pickle opcode 0x.. at offset N in data.pkl") or InvalidArgument for a
//    global outside the allowlist; never a crash. Objects live in a
//    PickleArena (flat ownership: cycles through the memo cannot leak and
//    deep nesting cannot overflow the stack on destruction). Every object
//    costs at least one input byte, so memory is bounded by the input size.
//  - PickleWriter emits protocol-2 opcodes as Python's pickler does.
#ifndef QUANTSIM_EXPORT_PTH_PICKLE_H_
#define QUANTSIM_EXPORT_PTH_PICKLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/dtype.h"

namespace quantsim::pth {

enum class PickleKind {
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kBytes,
  kTuple,
  kList,
  kDict,  // dict or OrderedDict: insertion-ordered (key, value) pairs
  kSet,
  kGlobal,   // an allowlisted callable or storage type (`global`)
  kStorage,  // a persistent id resolved to ('storage', type, key, ...)
  kTensor,
};

enum class PickleGlobal {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildParameter,
  kRebuildParameterWithState,
  kStorageType,  // dtype in PickleObj::dtype
};

struct PickleObj {
  PickleKind kind = PickleKind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                  // string, bytes, storage key
  std::vector<PickleObj*> items;  // tuple, list, set
  std::vector<std::pair<PickleObj*, PickleObj*>> dict;
  PickleGlobal global = PickleGlobal::kOrderedDict;
  engine::DType dtype = engine::DType::kF32;  // storage type, storage, tensor
  // kStorage: key in `s`, element count in `i`. kTensor: `storage` and:
  PickleObj* storage = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;

  std::string TypeName() const;  // "int", "OrderedDict"-ish, for messages
};

class PickleArena {
 public:
  PickleObj* New(PickleKind kind);

 private:
  std::vector<std::unique_ptr<PickleObj>> objects_;
};

// Runs the pickle at the start of `data` up to its STOP; `consumed` (if not
// null) gets the number of bytes it used (legacy files hold several).
absl::StatusOr<PickleObj*> Unpickle(absl::string_view data,
                                    const std::string& name, PickleArena* arena,
                                    size_t* consumed = nullptr);

// torch.<name> storage class -> dtype ("FloatStorage" -> kF32).
bool TorchStorageDType(absl::string_view name, engine::DType* dtype);
// The torch storage class name of a dtype ("FloatStorage"); InvalidArgument
// for a dtype torch 1.13 cannot store (u16, u32).
absl::StatusOr<std::string> TorchStorageName(engine::DType dtype);

class PickleWriter {
 public:
  PickleWriter();  // writes PROTO 2
  void Global(absl::string_view module, absl::string_view name);
  void Mark() { out_.push_back('('); }
  void Tuple() { out_.push_back('t'); }
  void EmptyTuple() { out_.push_back(')'); }
  void Reduce() { out_.push_back('R'); }
  void SetItems() { out_.push_back('u'); }
  void PersId() { out_.push_back('Q'); }
  void Bool(bool v) { out_.push_back(v ? '\x88' : '\x89'); }
  void Int(int64_t v);
  void String(absl::string_view s);
  void IntTuple(const std::vector<int64_t>& v);
  std::string Finish();  // writes STOP

 private:
  std::string out_;
};

}  // namespace quantsim::pth

#endif  // QUANTSIM_EXPORT_PTH_PICKLE_H_
