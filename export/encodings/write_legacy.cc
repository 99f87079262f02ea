// Writers of the 0.6.1 (legacy), "_torch.encodings" and 1.0.0 layouts, with
// sorted keys and 4-space indent like AIMET's json.dump(sort_keys=True,
// indent=4).
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "export/encodings/encodings_internal.h"
#include "quant/encoding.h"

namespace quantsim::io {
namespace internal {

using quant::Encoding;
using quant::QuantDataType;
using quant::TensorEncodings;

namespace {

void StartWriter(JsonWriter& w) { w.SetIndent(' ', 4); }

// The entries of a 0.6.1 list: one per channel, or the single float /
// pass-through entry.
void WriteLegacyList(JsonWriter& w, const TensorEncodings& t) {
  w.StartArray();
  if (t.dtype != QuantDataType::kInt) {
    WriteLegacyEntry(w, t, Encoding());
  } else {
    for (const Encoding& e : t.encodings) WriteLegacyEntry(w, t, e);
  }
  w.EndArray();
}

// name -> tensor, sorted (json.dump(sort_keys=True)).
std::map<std::string, const TensorEncodings*> ByName(
    const std::vector<Classified>& list) {
  std::map<std::string, const TensorEncodings*> out;
  for (const Classified& c : list) out[c.t->tensor] = c.t;
  return out;
}

}  // namespace

void WriteLegacyEntry(JsonWriter& w, const TensorEncodings& t,
                      const Encoding& e) {
  w.StartObject();
  if (t.dtype != QuantDataType::kInt) {
    WriteKey(w, "bitwidth");
    w.Int(16);
    WriteKey(w, "dtype");
    WriteString(w, "float");
  } else if (e.pass_through) {
    WriteKey(w, "bitwidth");
    w.Int(e.bitwidth);
    WriteKey(w, "dtype");
    WriteString(w, "int");
  } else {
    WriteKey(w, "bitwidth");
    w.Int(e.bitwidth);
    WriteKey(w, "dtype");
    WriteString(w, "int");
    WriteKey(w, "is_symmetric");
    WriteString(w, e.symmetric ? "True" : "False");
    WriteKey(w, "max");
    WriteDouble(w, e.max);
    WriteKey(w, "min");
    WriteDouble(w, e.min);
    WriteKey(w, "offset");
    w.Int64(static_cast<int64_t>(e.offset));
    WriteKey(w, "scale");
    WriteDouble(w, e.scale);
  }
  w.EndObject();
}

std::string SerializeLegacy(const quant::EncodingSet& set,
                            const std::vector<Classified>& activations,
                            const std::vector<Classified>& params) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  StartWriter(w);
  w.StartObject();
  WriteKey(w, "activation_encodings");
  w.StartObject();
  for (const auto& [name, t] : ByName(activations)) {
    WriteKey(w, name);
    WriteLegacyList(w, *t);
  }
  w.EndObject();
  WriteExcludedLayers(w, set);
  WriteKey(w, "param_encodings");
  w.StartObject();
  for (const auto& [name, t] : ByName(params)) {
    WriteKey(w, name);
    WriteLegacyList(w, *t);
  }
  w.EndObject();
  WriteQuantizerArgs(w, set, /*sorted=*/true);
  WriteKey(w, "version");
  WriteString(w, "0.6.1");
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

namespace {

const char* EncTypeName(EncKind kind) {
  switch (kind) {
    case EncKind::kPerChannel:
      return "PER_CHANNEL";
    case EncKind::kPerBlock:
      return "PER_BLOCK";
    case EncKind::kLpbq:
      return "LPBQ";
    default:
      return "PER_TENSOR";
  }
}

void WriteV1Entry(JsonWriter& w, const Classified& c) {
  const TensorEncodings& t = *c.t;
  const bool lpbq = c.kind == EncKind::kLpbq;
  w.StartObject();
  if (c.kind == EncKind::kPerBlock || lpbq) {
    WriteKey(w, "block_size");
    w.Int64(t.block_size);
  }
  WriteKey(w, "bw");
  w.Int(lpbq ? c.layout->decompressed_bitwidth : t.bitwidth);
  if (lpbq) {
    WriteKey(w, "compressed_bw");
    w.Int(t.bitwidth);
  }
  WriteKey(w, "dtype");
  WriteString(w, c.kind == EncKind::kFloat ? "FLOAT" : "INT");
  WriteKey(w, "enc_type");
  WriteString(w, EncTypeName(c.kind));
  if (c.kind != EncKind::kFloat && c.kind != EncKind::kPassThrough) {
    WriteKey(w, "is_sym");
    w.Bool(c.symmetric);
  }
  WriteKey(w, "name");
  WriteString(w, t.tensor);
  if (lpbq) {
    const BlockwiseLayout& l = *c.layout;
    const int64_t offset = -(int64_t{1} << (l.decompressed_bitwidth - 1));
    WriteKey(w, "offset");
    w.StartArray();
    for (int64_t i = 0; i < l.num_channels; ++i) w.Int64(offset);
    w.EndArray();
    WriteKey(w, "per_block_int_scale");
    w.StartArray();
    for (int64_t k : l.per_block_int_scale) w.Int64(k);
    w.EndArray();
    WriteKey(w, "scale");
    w.StartArray();
    for (double s : l.per_channel_scale) WriteDouble(w, s);
    w.EndArray();
  } else if (c.kind != EncKind::kFloat && c.kind != EncKind::kPassThrough) {
    WriteKey(w, "offset");
    w.StartArray();
    for (const Encoding& e : t.encodings) {
      w.Int64(static_cast<int64_t>(e.offset));
    }
    w.EndArray();
    WriteKey(w, "scale");
    w.StartArray();
    for (const Encoding& e : t.encodings) WriteDouble(w, e.scale);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string SerializeV1(const quant::EncodingSet& set,
                        const std::vector<Classified>& activations,
                        const std::vector<Classified>& params) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  StartWriter(w);
  w.StartObject();
  WriteKey(w, "activation_encodings");
  w.StartArray();
  for (const Classified& c : activations) WriteV1Entry(w, c);
  w.EndArray();
  WriteExcludedLayers(w, set);
  WriteKey(w, "param_encodings");
  w.StartArray();
  for (const Classified& c : params) WriteV1Entry(w, c);
  w.EndArray();
  WriteQuantizerArgs(w, set, /*sorted=*/true);
  WriteKey(w, "version");
  WriteString(w, "1.0.0");
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace internal

absl::StatusOr<std::string> SerializeTorchEncodings(
    const quant::EncodingSet& set, const TorchNameMap& names) {
  using internal::Classified;
  using internal::EncKind;
  std::vector<Classified> activations, params;
  if (absl::Status s =
          internal::ClassifyAll(set, {}, "0.6.1", &activations, &params);
      !s.ok()) {
    return s;
  }
  // module -> "input"/"output" -> index -> tensor.
  std::map<std::string,
           std::map<std::string, std::map<int, const quant::TensorEncodings*>>>
      modules;
  for (const Classified& c : activations) {
    if (c.kind != EncKind::kPerTensor && c.kind != EncKind::kFloat &&
        c.kind != EncKind::kPassThrough) {
      return internal::TensorError(
          c.t->tensor, "torch encodings hold per-tensor activations only");
    }
    auto it = names.activations.find(c.t->tensor);
    if (it == names.activations.end() || it->second.empty()) {
      return internal::TensorError(c.t->tensor,
                                   "activation has no torch module site");
    }
    for (const TorchActivationSite& site : it->second) {
      if (site.module.empty() || site.index < 0) {
        return internal::TensorError(c.t->tensor,
                                     "torch site with an empty module name "
                                     "or a negative index");
      }
      auto& slot = modules[site.module][site.is_input ? "input" : "output"];
      if (!slot.emplace(site.index, c.t).second) {
        return internal::TensorError(
            c.t->tensor,
            absl::StrCat("torch site ", site.module,
                         site.is_input ? " input " : " output ", site.index,
                         " is already taken by another tensor"));
      }
    }
  }
  std::map<std::string, const quant::TensorEncodings*> torch_params;
  for (const Classified& c : params) {
    if (c.kind == EncKind::kPerBlock || c.kind == EncKind::kLpbq) {
      return internal::TensorError(
          c.t->tensor, "blockwise encodings cannot be written in 0.6.1 style");
    }
    auto it = names.params.find(c.t->tensor);
    const std::string& name =
        it == names.params.end() ? c.t->tensor : it->second;
    if (!torch_params.emplace(name, c.t).second) {
      return internal::TensorError(c.t->tensor,
                                   absl::StrCat("torch param name \"", name,
                                                "\" is used by two tensors"));
    }
  }

  rapidjson::StringBuffer buf;
  internal::JsonWriter w(buf);
  w.SetIndent(' ', 4);
  w.StartObject();
  internal::WriteKey(w, "activation_encodings");
  w.StartObject();
  for (const auto& [module, sides] : modules) {
    internal::WriteKey(w, module);
    w.StartObject();
    for (const auto& [side, slots] : sides) {
      internal::WriteKey(w, side);
      w.StartObject();
      for (const auto& [index, t] : slots) {
        internal::WriteKey(w, std::to_string(index));
        internal::WriteLegacyEntry(
            w, *t, t->encodings.empty() ? quant::Encoding() : t->encodings[0]);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  internal::WriteExcludedLayers(w, set);
  internal::WriteKey(w, "param_encodings");
  w.StartObject();
  for (const auto& [name, t] : torch_params) {
    internal::WriteKey(w, name);
    w.StartArray();
    if (t->dtype != quant::QuantDataType::kInt) {
      internal::WriteLegacyEntry(w, *t, quant::Encoding());
    } else {
      for (const quant::Encoding& e : t->encodings) {
        internal::WriteLegacyEntry(w, *t, e);
      }
    }
    w.EndArray();
  }
  w.EndObject();
  internal::WriteQuantizerArgs(w, set, /*sorted=*/true);
  internal::WriteKey(w, "version");
  internal::WriteString(w, "0.6.1");
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::Status WriteTorchEncodings(const quant::EncodingSet& set,
                                 const TorchNameMap& names,
                                 const std::string& path) {
  absl::StatusOr<std::string> text = SerializeTorchEncodings(set, names);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(path, ": ", text.status().message()));
  }
  return engine::WriteFileAtomic(path, *text);
}

}  // namespace quantsim::io
