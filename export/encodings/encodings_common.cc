// Validation shared by the writers, and the public write entry points.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/file.h"
#include "export/encodings/encodings_internal.h"
#include "quant/encoding.h"

namespace quantsim::io {

const char* EncodingsVersionName(EncodingsVersion version) {
  switch (version) {
    case EncodingsVersion::k0_6_1:
      return "0.6.1";
    case EncodingsVersion::k1_0_0:
      return "1.0.0";
    case EncodingsVersion::k2_0_0:
      return "2.0.0";
  }
  return "?";
}

namespace internal {

using quant::Encoding;
using quant::QuantDataType;
using quant::TensorEncodings;

absl::Status TensorError(const std::string& tensor, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("tensor \"", tensor, "\": ", problem));
}

bool IsStrictOffset(int bitwidth, bool symmetric, int64_t offset) {
  return symmetric && bitwidth < 32 &&
         offset == -((int64_t{1} << (bitwidth - 1)) - 1);
}

Encoding EncodingFromScaleOffset(int bitwidth, bool symmetric, double scale,
                                 int64_t offset) {
  Encoding e;
  e.bitwidth = bitwidth;
  e.symmetric = symmetric;
  e.strict_symmetric = IsStrictOffset(bitwidth, symmetric, offset);
  e.scale = scale;
  e.offset = static_cast<double>(offset);
  e.min = scale * e.offset;
  e.max = scale * (e.offset + static_cast<double>(quant::NumSteps(e)));
  return e;
}

Encoding PassThroughEncoding() {
  Encoding e;
  e.bitwidth = quant::kPassThroughBitwidth;
  e.pass_through = true;
  return e;
}

namespace {

absl::Status CheckLpbq(const TensorEncodings& t, const BlockwiseLayout& l) {
  const int b = t.bitwidth;
  const int dbw = l.decompressed_bitwidth;
  if (dbw <= b || dbw > 31) {
    return TensorError(t.tensor,
                       absl::StrCat("LPBQ decompressed bitwidth ", dbw,
                                    " must be in (", b, ", 31]"));
  }
  const size_t n = t.encodings.size();
  if (l.num_channels <= 0 || n % l.num_channels != 0 ||
      l.per_channel_scale.size() != static_cast<size_t>(l.num_channels) ||
      l.per_block_int_scale.size() != n) {
    return TensorError(
        t.tensor,
        absl::StrCat("LPBQ layout sizes do not match: ", n, " encodings, ",
                     l.num_channels, " channels, ", l.per_channel_scale.size(),
                     " channel scales, ", l.per_block_int_scale.size(),
                     " block integer scales"));
  }
  const int64_t kmax = int64_t{1} << (dbw - b);
  const int64_t blocks = static_cast<int64_t>(n) / l.num_channels;
  for (size_t i = 0; i < n; ++i) {
    const Encoding& e = t.encodings[i];
    const double s = l.per_channel_scale[i / blocks];
    const int64_t k = l.per_block_int_scale[i];
    if (!(s > 0.0) || !std::isfinite(s)) {
      return TensorError(t.tensor, absl::StrCat("LPBQ channel scale ", s,
                                                " is not finite and > 0"));
    }
    if (k < 1 || k > kmax) {
      return TensorError(t.tensor, absl::StrCat("LPBQ block integer scale ", k,
                                                " is outside [1, ", kmax, "]"));
    }
    if (!e.symmetric || e.strict_symmetric ||
        e.offset != -static_cast<double>(int64_t{1} << (b - 1)) ||
        static_cast<double>(k) * s != e.scale) {
      return TensorError(
          t.tensor,
          absl::StrCat("LPBQ block ", i,
                       " is not the symmetric encoding with scale k * s "
                       "(k ",
                       k, ", s ", s, ", scale ", e.scale, ", offset ", e.offset,
                       ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Classified> Classify(const TensorEncodings& t,
                                    const BlockwiseLayouts& layouts,
                                    const char* version_name) {
  Classified c;
  c.t = &t;
  if (t.tensor.empty()) {
    return absl::InvalidArgumentError("a tensor has an empty name");
  }
  if (t.dtype != QuantDataType::kInt) {
    if (t.bitwidth != 16 || !t.encodings.empty()) {
      return TensorError(
          t.tensor,
          absl::StrCat("float16/bfloat16 needs bitwidth 16 and "
                       "no integer encodings, got bitwidth ",
                       t.bitwidth, " and ", t.encodings.size(), " encodings"));
    }
    if (t.dtype == QuantDataType::kBFloat16 &&
        std::string(version_name) != "2.0.0") {
      return TensorError(t.tensor,
                         absl::StrCat("bfloat16 cannot be written in encodings "
                                      "version ",
                                      version_name, " (only 2.0.0)"));
    }
    c.kind = EncKind::kFloat;
    return c;
  }
  if (t.encodings.empty()) return TensorError(t.tensor, "no encodings");
  if (t.block_size < 0) return TensorError(t.tensor, "negative block_size");
  const Encoding& e0 = t.encodings[0];
  if (quant::IsPassThrough(t.bitwidth) || e0.pass_through) {
    if (t.encodings.size() != 1 || !e0.pass_through ||
        !quant::IsPassThrough(t.bitwidth) ||
        !quant::IsPassThrough(e0.bitwidth) || t.channel_axis.has_value() ||
        t.block_size != 0) {
      return TensorError(t.tensor,
                         "bitwidth 32 is pass-through: one per-tensor "
                         "encoding with pass_through set and bitwidth 32");
    }
    c.kind = EncKind::kPassThrough;
    return c;
  }
  c.symmetric = e0.symmetric;
  c.strict = e0.symmetric && e0.strict_symmetric;
  for (size_t i = 0; i < t.encodings.size(); ++i) {
    const Encoding& e = t.encodings[i];
    const std::string where = absl::StrCat("encoding ", i, ": ");
    if (absl::Status s = quant::ValidateEncoding(e); !s.ok()) {
      return TensorError(t.tensor, absl::StrCat(where, s.message()));
    }
    if (e.pass_through || e.bitwidth != t.bitwidth) {
      return TensorError(
          t.tensor, absl::StrCat(where, "bitwidth ", e.bitwidth,
                                 e.pass_through ? " pass-through" : "",
                                 " differs from the tensor's ", t.bitwidth));
    }
    if (e.symmetric != c.symmetric ||
        (e.symmetric && e.strict_symmetric) != c.strict) {
      return TensorError(t.tensor,
                         absl::StrCat(where, "symmetry differs from entry 0"));
    }
    if (e.symmetric) {
      // The files store no strict flag: it must follow from the offset.
      const int64_t o = static_cast<int64_t>(e.offset);
      const bool offset_strict = IsStrictOffset(e.bitwidth, true, o);
      const bool signed_offset = o == -(int64_t{1} << (e.bitwidth - 1));
      if (c.strict ? !offset_strict : !(signed_offset || o == 0)) {
        return TensorError(
            t.tensor, absl::StrCat(where, "offset ", o, " does not match a ",
                                   c.strict ? "strict " : "",
                                   "symmetric grid of ", e.bitwidth, " bits"));
      }
    }
  }
  if (t.block_size > 0) {
    if (!t.channel_axis.has_value() || *t.channel_axis < 0) {
      return TensorError(t.tensor, "blockwise encodings need a channel axis");
    }
    auto it = layouts.find(t.tensor);
    c.layout = it == layouts.end() ? nullptr : &it->second;
    c.kind = EncKind::kPerBlock;
    if (c.layout != nullptr && c.layout->decompressed_bitwidth > 0) {
      if (absl::Status s = CheckLpbq(t, *c.layout); !s.ok()) return s;
      c.kind = EncKind::kLpbq;
    } else if (c.layout != nullptr && c.layout->num_channels > 0 &&
               t.encodings.size() % c.layout->num_channels != 0) {
      return TensorError(t.tensor,
                         absl::StrCat(t.encodings.size(),
                                      " block encodings are not a multiple of ",
                                      c.layout->num_channels, " channels"));
    }
    return c;
  }
  if (!t.channel_axis.has_value()) {
    if (t.encodings.size() != 1) {
      return TensorError(t.tensor,
                         absl::StrCat(t.encodings.size(),
                                      " encodings without a channel axis"));
    }
    c.kind = EncKind::kPerTensor;
    return c;
  }
  if (*t.channel_axis < 0)
    return TensorError(t.tensor, "negative channel axis");
  c.kind = EncKind::kPerChannel;
  return c;
}

absl::Status ClassifyAll(const quant::EncodingSet& set,
                         const BlockwiseLayouts& layouts,
                         const char* version_name,
                         std::vector<Classified>* activations,
                         std::vector<Classified>* params) {
  for (int p = 0; p < 2; ++p) {
    const std::vector<TensorEncodings>& list = p ? set.params : set.activations;
    std::vector<Classified>* out = p ? params : activations;
    std::set<std::string> seen;
    for (const TensorEncodings& t : list) {
      absl::StatusOr<Classified> c = Classify(t, layouts, version_name);
      if (!c.ok()) return c.status();
      if (!seen.insert(t.tensor).second) {
        return TensorError(
            t.tensor,
            absl::StrCat("listed twice in ", p ? "params" : "activations"));
      }
      out->push_back(*c);
    }
  }
  return absl::OkStatus();
}

void WriteQuantizerArgs(JsonWriter& w, const quant::EncodingSet& set,
                        bool sorted) {
  WriteKey(w, "quantizer_args");
  w.StartObject();
  WriteKey(w, "activation_bitwidth");
  w.Int(set.activation_bitwidth);
  if (!sorted) {
    WriteKey(w, "param_bitwidth");
    w.Int(set.param_bitwidth);
  }
  WriteKey(w, "dtype");
  WriteString(w, "int");
  WriteKey(w, "is_symmetric");
  w.Bool(set.params_symmetric);
  if (sorted) {
    WriteKey(w, "param_bitwidth");
    w.Int(set.param_bitwidth);
  }
  WriteKey(w, "per_channel_quantization");
  w.Bool(set.per_channel_quantization);
  WriteKey(w, "quant_scheme");
  WriteString(w, set.quant_scheme);
  w.EndObject();
}

void WriteExcludedLayers(JsonWriter& w, const quant::EncodingSet& set) {
  WriteKey(w, "excluded_layers");
  w.StartArray();
  for (const std::string& name : set.excluded_layers) WriteString(w, name);
  w.EndArray();
}

}  // namespace internal

absl::StatusOr<std::string> SerializeEncodings(
    const quant::EncodingSet& set, EncodingsVersion version,
    const BlockwiseLayouts& blockwise) {
  using internal::Classified;
  using internal::EncKind;
  const char* name = EncodingsVersionName(version);
  std::vector<Classified> activations, params;
  if (absl::Status s =
          internal::ClassifyAll(set, blockwise, name, &activations, &params);
      !s.ok()) {
    return s;
  }
  switch (version) {
    case EncodingsVersion::k0_6_1:
      for (const auto* list : {&activations, &params}) {
        for (const Classified& c : *list) {
          if (c.kind == EncKind::kPerBlock || c.kind == EncKind::kLpbq) {
            return internal::TensorError(
                c.t->tensor,
                "blockwise encodings cannot be written in version 0.6.1");
          }
        }
      }
      return internal::SerializeLegacy(set, activations, params);
    case EncodingsVersion::k1_0_0:
      return internal::SerializeV1(set, activations, params);
    case EncodingsVersion::k2_0_0:
      return internal::SerializeV2(set, activations, params);
  }
  return absl::InvalidArgumentError("unknown encodings version");
}

absl::Status WriteEncodings(const quant::EncodingSet& set,
                            EncodingsVersion version, const std::string& path,
                            const BlockwiseLayouts& blockwise) {
  absl::StatusOr<std::string> text =
      SerializeEncodings(set, version, blockwise);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(path, ": ", text.status().message()));
  }
  return engine::WriteFileAtomic(path, *text);
}

}  // namespace quantsim::io
