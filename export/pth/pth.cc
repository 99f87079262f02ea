#include "export/pth/pth.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/file.h"
#include "engine/status.h"
#include "export/pth/pickle.h"
#include "export/pth/zip.h"

namespace quantsim::pth {
namespace {

using engine::DType;
using engine::Storage;
using engine::Tensor;

class Reader {
 public:
  Reader(absl::string_view bytes, const std::string& name)
      : bytes_(bytes), name_(name) {}

  absl::StatusOr<StateDict> ReadZip() {
    QS_ASSIGN_OR_RETURN(std::vector<ZipEntry> entries, ParseZip(bytes_, name_));
    if (entries.empty())
      return absl::DataLossError(absl::StrCat(name_, ": empty zip archive"));
    for (const ZipEntry& e : entries) by_name_.emplace(e.name, &e);
    // torch names every record "<archive>/...", the archive being the first
    // entry's folder.
    const size_t slash = entries[0].name.find('/');
    prefix_ =
        slash == std::string::npos ? "" : entries[0].name.substr(0, slash + 1);
    const ZipEntry* pkl = Find("data.pkl");
    if (pkl == nullptr) {
      if (Find("constants.pkl") != nullptr || Find("code/") != nullptr) {
        return absl::UnimplementedError(absl::StrCat(
            name_,
            ": a TorchScript archive (torch.jit.save), not a torch.save "
            "state_dict"));
      }
      return absl::DataLossError(
          absl::StrCat(name_, ": zip archive has no ", prefix_,
                       "data.pkl; not a torch.save file"));
    }
    if (const ZipEntry* order = Find("byteorder")) {
      QS_ASSIGN_OR_RETURN(absl::string_view b,
                          ZipEntryData(bytes_, *order, name_));
      if (b == "big") {
        big_endian_ = true;
      } else if (b != "little") {
        return absl::DataLossError(
            absl::StrCat(name_, ": unknown byteorder '", b, "'"));
      }
    }
    QS_ASSIGN_OR_RETURN(absl::string_view pickle,
                        ZipEntryData(bytes_, *pkl, name_));
    QS_ASSIGN_OR_RETURN(
        PickleObj * root,
        Unpickle(pickle, absl::StrCat(name_, ":", pkl->name), &arena_));
    return Build(*root);
  }

  // torch < 1.6 (and _use_new_zipfile_serialization=False): pickles of the
  // magic number, the protocol version (1001), a sys_info dict, the object
  // and the sorted storage keys, then each storage as a little-endian int64
  // element count and its little-endian elements.
  absl::StatusOr<StateDict> ReadLegacy() {
    static constexpr char kMagic[] =
        "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
    constexpr size_t kMagicLen = sizeof(kMagic) - 1;
    if (bytes_.size() < 2 + kMagicLen ||
        bytes_.substr(2, kMagicLen) != kMagic) {
      return absl::DataLossError(
          absl::StrCat(name_,
                       ": neither a zip archive nor a legacy torch.save file "
                       "(bad magic number)"));
    }
    size_t pos = 2 + kMagicLen;
    PickleObj* objs[4];
    for (int i = 0; i < 4; ++i) {
      size_t used = 0;
      const std::string what =
          absl::StrCat(name_, " (legacy format, pickle at byte ", pos, ")");
      QS_ASSIGN_OR_RETURN(objs[i],
                          Unpickle(bytes_.substr(pos), what, &arena_, &used));
      pos += used;
      if (i == 0 && (objs[0]->kind != PickleKind::kInt || objs[0]->i != 1001)) {
        return absl::DataLossError(
            absl::StrCat(name_, ": legacy protocol version is not 1001"));
      }
    }
    if (objs[1]->kind != PickleKind::kDict ||
        objs[3]->kind != PickleKind::kList) {
      return absl::DataLossError(
          absl::StrCat(name_, ": malformed legacy header"));
    }
    const PickleObj& root = *objs[2];
    absl::flat_hash_map<std::string, DType> dtypes;
    if (root.kind == PickleKind::kDict) {
      for (const auto& kv : root.dict) {
        if (kv.second->kind == PickleKind::kTensor) {
          dtypes.emplace(kv.second->storage->s, kv.second->dtype);
        }
      }
    }
    for (const PickleObj* k : objs[3]->items) {
      if (k->kind != PickleKind::kString) {
        return absl::DataLossError(
            absl::StrCat(name_, ": legacy storage key is a ", k->TypeName()));
      }
      auto it = dtypes.find(k->s);
      if (it == dtypes.end()) {
        return absl::DataLossError(absl::StrCat(
            name_, ": legacy storage '", k->s, "' is used by no tensor"));
      }
      const size_t size = engine::DTypeSize(it->second);
      uint64_t numel = 0;
      if (bytes_.size() - pos < 8) {
        return absl::DataLossError(
            absl::StrCat(name_, ": legacy storage '", k->s, "' is truncated"));
      }
      for (int i = 7; i >= 0; --i)
        numel = (numel << 8) | static_cast<uint8_t>(bytes_[pos + i]);
      pos += 8;
      if (numel > (bytes_.size() - pos) / size) {
        return absl::DataLossError(absl::StrCat(name_, ": legacy storage '",
                                                k->s, "' (", numel,
                                                " elements) is truncated"));
      }
      legacy_.emplace(k->s, bytes_.substr(pos, numel * size));
      pos += numel * size;
    }
    legacy_format_ = true;
    return Build(root);
  }

 private:
  absl::StatusOr<StateDict> Build(const PickleObj& root) {
    if (root.kind != PickleKind::kDict) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": holds a ", root.TypeName(),
                       ", not a state_dict (a dict of tensors)"));
    }
    StateDict out;
    absl::flat_hash_map<std::string, size_t> index;
    for (const auto& [k, v] : root.dict) {
      if (k->kind != PickleKind::kString) {
        return absl::InvalidArgumentError(
            absl::StrCat(name_, ": state_dict has a ", k->TypeName(), " key"));
      }
      if (v->kind != PickleKind::kTensor) {
        return absl::InvalidArgumentError(absl::StrCat(
            name_, ": the value of key '", k->s, "' is a ", v->TypeName(),
            ", not a tensor (a checkpoint rather than a state_dict?)"));
      }
      QS_ASSIGN_OR_RETURN(Tensor t, MakeTensor(k->s, *v));
      auto [it, inserted] = index.emplace(k->s, out.size());
      if (inserted) {
        out.push_back({k->s, std::move(t)});
      } else {
        out[it->second].tensor = std::move(t);
      }
    }
    return out;
  }

  // The bytes of storage `key` and the name to report them by.
  absl::Status StorageBytes(const std::string& key,
                            const std::string& tensor_key,
                            absl::string_view* data, std::string* where) {
    if (legacy_format_) {
      *where = absl::StrCat("legacy storage '", key, "'");
      auto it = legacy_.find(key);
      if (it == legacy_.end()) {
        return absl::DataLossError(absl::StrCat(
            name_, ": ", *where, " of key '", tensor_key, "' is missing"));
      }
      *data = it->second;
      return absl::OkStatus();
    }
    const ZipEntry* e = Find("data/" + key);
    if (e == nullptr) {
      return absl::DataLossError(absl::StrCat(name_, ": storage '", prefix_,
                                              "data/", key, "' of key '",
                                              tensor_key, "' is missing"));
    }
    *where = absl::StrCat("storage '", e->name, "'");
    QS_ASSIGN_OR_RETURN(*data, ZipEntryData(bytes_, *e, name_));
    return absl::OkStatus();
  }

  const ZipEntry* Find(const std::string& rel) const {
    auto it = by_name_.find(prefix_ + rel);
    return it == by_name_.end() ? nullptr : it->second;
  }

  absl::StatusOr<std::shared_ptr<Storage>> LoadStorage(const std::string& key,
                                                       const PickleObj& st) {
    auto it = storages_.find(st.s);
    if (it != storages_.end()) {
      if (it->second.first != st.dtype ||
          it->second.second->bytes() !=
              static_cast<size_t>(st.i) * engine::DTypeSize(st.dtype)) {
        return absl::DataLossError(
            absl::StrCat(name_, ": key '", key, "' views storage '", st.s,
                         "' with a different type or size"));
      }
      return it->second.second;
    }
    absl::string_view data;
    std::string where;
    QS_RETURN_IF_ERROR(StorageBytes(st.s, key, &data, &where));
    const size_t size = engine::DTypeSize(st.dtype);
    if (static_cast<uint64_t>(st.i) > data.size() / size) {
      return absl::DataLossError(
          absl::StrCat(name_, ": ", where, " of key '", key, "' holds ",
                       data.size(), " bytes, fewer than its ", st.i, " ",
                       engine::DTypeName(st.dtype), " elements"));
    }
    const size_t nbytes = static_cast<size_t>(st.i) * size;
    QS_ASSIGN_OR_RETURN(std::shared_ptr<Storage> s, Storage::Allocate(nbytes));
    if (nbytes > 0) std::memcpy(s->data(), data.data(), nbytes);
    char* p = static_cast<char*>(s->data());
    if (big_endian_ && size > 1) {
      for (size_t i = 0; i < nbytes; i += size)
        std::reverse(p + i, p + i + size);
    }
    if (st.dtype == DType::kBool) {
      for (size_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
    }
    storages_.emplace(st.s, std::make_pair(st.dtype, s));
    return s;
  }

  absl::StatusOr<Tensor> MakeTensor(const std::string& key,
                                    const PickleObj& t) {
    QS_ASSIGN_OR_RETURN(std::shared_ptr<Storage> storage,
                        LoadStorage(key, *t.storage));
    const uint64_t capacity = static_cast<uint64_t>(t.storage->i);
    auto bad = [&](const std::string& why) {
      return absl::DataLossError(absl::StrCat(
          name_, ": tensor '", key, "' (", engine::DTypeName(t.dtype),
          " size [", absl::StrJoin(t.sizes, ", "), "] stride [",
          absl::StrJoin(t.strides, ", "), "] offset ", t.offset, ") ", why,
          " of storage '", t.storage->s, "' (", capacity, " elements)"));
    };
    if (t.offset < 0) return bad("has a negative offset");
    unsigned __int128 last = static_cast<uint64_t>(t.offset);
    bool empty = false;
    for (size_t i = 0; i < t.sizes.size(); ++i) {
      if (t.sizes[i] < 0 || t.strides[i] < 0)
        return bad("has a negative size or stride");
      if (t.sizes[i] == 0) empty = true;
      last +=
          static_cast<unsigned __int128>(t.sizes[i] > 0 ? t.sizes[i] - 1 : 0) *
          static_cast<uint64_t>(t.strides[i]);
      if (last >> 64) return bad("reaches beyond the end");
    }
    absl::StatusOr<engine::Shape> shape = engine::Shape::Create(t.sizes);
    if (!shape.ok())
      return bad(absl::StrCat("is malformed: ", shape.status().message(), ","));
    if (empty) return Tensor::Empty(*shape, t.dtype);
    if (last >= capacity) return bad("reaches beyond the end");
    return Tensor::FromStorage(std::move(storage), t.offset, *shape, t.strides,
                               t.dtype);
  }

  absl::string_view bytes_;
  const std::string& name_;
  std::string prefix_;
  bool big_endian_ = false;
  bool legacy_format_ = false;
  PickleArena arena_;
  absl::flat_hash_map<std::string, absl::string_view> legacy_;
  absl::flat_hash_map<std::string, const ZipEntry*> by_name_;
  absl::flat_hash_map<std::string, std::pair<DType, std::shared_ptr<Storage>>>
      storages_;
};

}  // namespace

const Tensor* FindTensor(const StateDict& dict, absl::string_view key) {
  for (const StateDictEntry& e : dict) {
    if (e.key == key) return &e.tensor;
  }
  return nullptr;
}

absl::StatusOr<StateDict> ParsePth(absl::string_view bytes,
                                   const std::string& name) {
  if (absl::StartsWith(bytes, "PK")) return Reader(bytes, name).ReadZip();
  if (bytes.size() > 2 && static_cast<uint8_t>(bytes[0]) == 0x80) {
    return Reader(bytes, name).ReadLegacy();
  }
  if (bytes.size() > 262 && bytes.substr(257, 5) == "ustar") {
    return absl::UnimplementedError(absl::StrCat(
        name,
        ": tar-based torch.save format (torch < 0.4) is not read; re-save with "
        "torch>=1.6: torch.save(torch.load(f), f2)"));
  }
  return absl::DataLossError(
      absl::StrCat(name, ": not a torch.save file (no zip archive signature)"));
}

absl::StatusOr<StateDict> ReadPth(const std::string& path) {
  QS_ASSIGN_OR_RETURN(std::string bytes, engine::ReadFile(path));
  return ParsePth(bytes, path);
}

absl::StatusOr<std::string> SerializePth(const StateDict& dict,
                                         const PthWriteOptions& options) {
  struct StorageRef {
    int index;
    DType dtype;
  };
  absl::flat_hash_map<const Storage*, StorageRef> storage_index;
  std::vector<std::shared_ptr<Storage>> storages;
  absl::flat_hash_map<std::string, int> seen;
  PickleWriter w;
  w.Global("collections", "OrderedDict");
  w.EmptyTuple();
  w.Reduce();
  w.Mark();
  for (const StateDictEntry& e : dict) {
    const Tensor& t = e.tensor;
    if (!seen.emplace(e.key, 0).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("SerializePth: key '", e.key, "' repeats"));
    }
    if (!t.defined() || !t.device().is_cpu()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SerializePth: tensor '", e.key, "' is undefined or not on the CPU"));
    }
    absl::StatusOr<std::string> type = TorchStorageName(t.dtype());
    if (!type.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SerializePth: tensor '", e.key, "': ", type.status().message()));
    }
    auto [it, inserted] = storage_index.emplace(
        t.storage().get(),
        StorageRef{static_cast<int>(storages.size()), t.dtype()});
    if (inserted) {
      storages.push_back(t.storage());
    } else if (it->second.dtype != t.dtype()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SerializePth: tensor '", e.key,
                       "' views a storage another key views as ",
                       engine::DTypeName(it->second.dtype), " as ",
                       engine::DTypeName(t.dtype())));
    }
    w.String(e.key);
    w.Global("torch._utils", "_rebuild_tensor_v2");
    w.Mark();
    w.Mark();
    w.String("storage");
    w.Global("torch", *type);
    w.String(absl::StrCat(it->second.index));
    w.String("cpu");
    w.Int(static_cast<int64_t>(t.storage()->bytes() /
                               engine::DTypeSize(t.dtype())));
    w.Tuple();
    w.PersId();
    w.Int(t.offset());
    w.IntTuple(t.shape().dims());
    w.IntTuple(t.strides());
    w.Bool(false);
    w.Global("collections", "OrderedDict");
    w.EmptyTuple();
    w.Reduce();
    w.Tuple();
    w.Reduce();
  }
  w.SetItems();
  const std::string prefix =
      options.archive_name.empty() ? "" : options.archive_name + "/";
  ZipWriter zip;
  zip.AddStored(prefix + "data.pkl", w.Finish());
  zip.AddStored(prefix + "byteorder", "little");
  for (size_t i = 0; i < storages.size(); ++i) {
    const Storage& s = *storages[i];
    const size_t size = engine::DTypeSize(storage_index[&s].dtype);
    zip.AddStored(absl::StrCat(prefix, "data/", i),
                  absl::string_view(static_cast<const char*>(s.data()),
                                    s.bytes() / size * size));
  }
  zip.AddStored(prefix + "version", "3\n");
  return zip.Finish(options.force_zip64);
}

absl::Status WritePth(const std::string& path, const StateDict& dict,
                      const PthWriteOptions& options) {
  QS_ASSIGN_OR_RETURN(std::string bytes, SerializePth(dict, options));
  return engine::WriteFileAtomic(path, bytes);
}

}  // namespace quantsim::pth
