#include "train/optimizer.h"

#include <cmath>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "engine/npy.h"
#include "engine/status.h"

namespace quantsim::train {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

constexpr char kMagic[8] = {'Q', 'S', 'O', 'P', 'T', 'I', 'M', '\n'};
constexpr uint32_t kVersion = 1;

bool BadRate(double v) { return !(v >= 0) || std::isinf(v); }

template <typename T>
absl::StatusOr<Tensor> Scalar(T v) {
  return Tensor::FromVector<T>(Shape(), {v});
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Little-endian reader over a byte string; every read is bounds-checked.
class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path)
      : bytes_(bytes), path_(path) {}
  absl::Status Read(size_t n, std::string* out) {
    if (n > bytes_.size() - pos_) {
      return absl::DataLossError(
          absl::StrCat("optimizer state '", path_, "' is truncated"));
    }
    out->assign(bytes_, pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> ReadUInt(int width) {
    std::string b;
    QS_RETURN_IF_ERROR(Read(width, &b));
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
    }
    return v;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

absl::Status Optimizer::Init(std::vector<ParamGroup> groups, double lr,
                             double weight_decay) {
  if (BadRate(lr) || BadRate(weight_decay)) {
    return absl::InvalidArgumentError(absl::StrCat(
        kind(), ": lr and weight_decay must be finite and >= 0, got ", lr,
        " and ", weight_decay));
  }
  std::set<std::string> names;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    ParamGroup& pg = groups[gi];
    Group g;
    g.lr = g.initial_lr = pg.lr.value_or(lr);
    g.weight_decay = pg.weight_decay.value_or(weight_decay);
    if (BadRate(g.lr) || BadRate(g.weight_decay)) {
      return absl::InvalidArgumentError(absl::StrCat(
          kind(), ": group ", gi, " has a bad lr or weight_decay"));
    }
    groups_.push_back(g);
    for (Param& p : pg.params) {
      if (!names.insert(p.name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(kind(), ": duplicate parameter '", p.name, "'"));
      }
      if (!p.tensor.defined() || p.tensor.dtype() != DType::kF32 ||
          !p.tensor.IsContiguous() || !p.tensor.device().is_cpu()) {
        return absl::InvalidArgumentError(
            absl::StrCat(kind(), ": parameter '", p.name,
                         "' must be a contiguous f32 CPU tensor"));
      }
      ParamState s;
      s.param = std::move(p);
      s.group = static_cast<int>(gi);
      s.slots.resize(slot_names().size());
      for (size_t k = 0; k < s.slots.size(); ++k) {
        s.slots[k].name = slot_names()[k];
      }
      params_.push_back(std::move(s));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<float*> Optimizer::SlotData(ParamState& state, int slot) {
  Tensor& t = state.slots[slot].tensor;
  if (!t.defined()) {
    QS_ASSIGN_OR_RETURN(t,
                        Tensor::Zeros(state.param.tensor.shape(), DType::kF32));
  }
  return t.data<float>();
}

absl::Status Optimizer::Step(const std::vector<Tensor>& grads,
                             engine::ThreadPool* pool) {
  if (grads.size() != params_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kind(), ": ", grads.size(), " gradients for ",
                     params_.size(), " parameters"));
  }
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined()) continue;
    const Tensor& p = params_[i].param.tensor;
    if (g.dtype() != DType::kF32 || !g.IsContiguous() ||
        g.shape() != p.shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          kind(), ": gradient of '", params_[i].param.name, "' is ",
          g.DebugString(), ", parameter is ", p.DebugString()));
    }
  }
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    ParamState& s = params_[i];
    ++s.step;
    QS_RETURN_IF_ERROR(Update(s, groups_[s.group], grads[i], pool));
  }
  ++num_steps_;
  return absl::OkStatus();
}

StateDict Optimizer::GetState() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    out[absl::StrCat("group", g, "/lr")] =
        Scalar<double>(groups_[g].lr).value();
  }
  out["optimizer/num_steps"] = Scalar<int64_t>(num_steps_).value();
  for (const ParamState& s : params_) {
    if (s.step > 0) {
      out[s.param.name + "/step"] = Scalar<int64_t>(s.step).value();
    }
    for (const Slot& slot : s.slots) {
      if (slot.tensor.defined()) {
        out[s.param.name + "/" + slot.name] = slot.tensor.Clone().value();
      }
    }
  }
  return out;
}

absl::Status Optimizer::SetState(const StateDict& state) {
  auto scalar = [&](const std::string& key, DType dtype,
                    const Tensor** out) -> absl::Status {
    *out = nullptr;
    auto it = state.find(key);
    if (it == state.end()) return absl::OkStatus();
    if (it->second.dtype() != dtype || it->second.numel() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          kind(), " state '", key, "' must be a ", engine::DTypeName(dtype),
          " scalar, is ", it->second.DebugString()));
    }
    *out = &it->second;
    return absl::OkStatus();
  };
  // Validate everything before changing anything.
  size_t used = 0;
  std::vector<double> lrs(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    const Tensor* t;
    QS_RETURN_IF_ERROR(
        scalar(absl::StrCat("group", g, "/lr"), DType::kF64, &t));
    lrs[g] = t ? (used++, t->data<double>()[0]) : groups_[g].lr;
  }
  const Tensor* steps;
  QS_RETURN_IF_ERROR(scalar("optimizer/num_steps", DType::kI64, &steps));
  used += steps != nullptr;
  std::vector<ParamState> fresh = params_;
  for (ParamState& s : fresh) {
    const Tensor* t;
    QS_RETURN_IF_ERROR(scalar(s.param.name + "/step", DType::kI64, &t));
    s.step = t ? (used++, t->data<int64_t>()[0]) : 0;
    for (Slot& slot : s.slots) {
      slot.tensor = Tensor();
      auto it = state.find(s.param.name + "/" + slot.name);
      if (it == state.end()) continue;
      const Tensor& v = it->second;
      if (v.dtype() != DType::kF32 || v.shape() != s.param.tensor.shape()) {
        return absl::InvalidArgumentError(absl::StrCat(
            kind(), " state '", it->first, "' is ", v.DebugString(),
            ", parameter is ", s.param.tensor.DebugString()));
      }
      QS_ASSIGN_OR_RETURN(slot.tensor, v.Clone());
      ++used;
    }
  }
  if (used != state.size()) {
    for (const auto& [key, value] : state) {
      bool known =
          key == "optimizer/num_steps" || absl::StartsWith(key, "group");
      for (const ParamState& s : fresh) {
        known = known || key == s.param.name + "/step";
        for (const Slot& slot : s.slots) {
          known = known || key == s.param.name + "/" + slot.name;
        }
      }
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat(
            kind(), " state entry '", key, "' matches no parameter or slot"));
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(kind(), " state has entries for groups it does not have"));
  }
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].lr = lrs[g];
  num_steps_ = steps ? steps->data<int64_t>()[0] : 0;
  params_ = std::move(fresh);
  return absl::OkStatus();
}

absl::Status Optimizer::Save(const std::string& path) const {
  std::string out(kMagic, sizeof(kMagic));
  PutU32(&out, kVersion);
  const std::string k = kind();
  PutU32(&out, static_cast<uint32_t>(k.size()));
  out += k;
  const StateDict state = GetState();
  PutU64(&out, state.size());
  for (const auto& [key, tensor] : state) {
    QS_ASSIGN_OR_RETURN(std::string npy, engine::SerializeNpy(tensor));
    PutU32(&out, static_cast<uint32_t>(key.size()));
    out += key;
    PutU64(&out, npy.size());
    out += npy;
  }
  return engine::WriteFileAtomic(path, out);
}

absl::Status Optimizer::Load(const std::string& path) {
  QS_ASSIGN_OR_RETURN(std::string bytes, engine::ReadFile(path));
  Reader r(bytes, path);
  std::string magic;
  QS_RETURN_IF_ERROR(r.Read(sizeof(kMagic), &magic));
  if (std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError(
        absl::StrCat("'", path, "' is not a quantsim optimizer state"));
  }
  QS_ASSIGN_OR_RETURN(uint64_t version, r.ReadUInt(4));
  if (version != kVersion) {
    return absl::InvalidArgumentError(absl::StrCat("optimizer state '", path,
                                                   "' has version ", version,
                                                   ", expected ", kVersion));
  }
  QS_ASSIGN_OR_RETURN(uint64_t kind_len, r.ReadUInt(4));
  std::string file_kind;
  QS_RETURN_IF_ERROR(r.Read(kind_len, &file_kind));
  if (file_kind != kind()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer state '", path, "' is for ", file_kind, ", not ", kind()));
  }
  QS_ASSIGN_OR_RETURN(uint64_t count, r.ReadUInt(8));
  StateDict state;
  for (uint64_t i = 0; i < count; ++i) {
    QS_ASSIGN_OR_RETURN(uint64_t key_len, r.ReadUInt(4));
    std::string key, npy;
    QS_RETURN_IF_ERROR(r.Read(key_len, &key));
    QS_ASSIGN_OR_RETURN(uint64_t npy_len, r.ReadUInt(8));
    QS_RETURN_IF_ERROR(r.Read(npy_len, &npy));
    QS_ASSIGN_OR_RETURN(Tensor t, engine::ParseNpy(npy, path + ":" + key));
    state[key] = std::move(t);
  }
  if (!r.done()) {
    return absl::DataLossError(
        absl::StrCat("optimizer state '", path, "' has trailing bytes"));
  }
  return SetState(state);
}

std::vector<ParamGroup> SingleGroup(std::vector<Param> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

}  // namespace quantsim::train
