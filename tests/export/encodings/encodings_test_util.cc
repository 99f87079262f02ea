#include "tests/export/encodings/encodings_test_util.h"

#include "engine/file.h"

namespace quantsim::io::testing {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

namespace {

std::string Describe(const quant::Encoding& e) {
  return absl::StrCat("{min ", internal::FormatDouble(e.min), ", max ",
                      internal::FormatDouble(e.max), ", scale ",
                      internal::FormatDouble(e.scale), ", offset ", e.offset,
                      ", bw ", e.bitwidth, ", sym ", e.symmetric, ", strict ",
                      e.strict_symmetric, ", pass ", e.pass_through, "}");
}

AssertionResult CompareJson(const internal::JsonValue& a,
                            const internal::JsonValue& b,
                            const std::string& path) {
  const std::string where = path.empty() ? "(top)" : path;
  if (a.GetType() != b.GetType()) {
    return AssertionFailure()
           << where << ": expected " << internal::JsonTypeName(a) << ", got "
           << internal::JsonTypeName(b);
  }
  if (a.IsNumber()) {
    if (a.IsDouble() != b.IsDouble()) {
      return AssertionFailure()
             << where << ": integer vs float "
             << (a.IsDouble() ? "(expected float)" : "(expected integer)");
    }
    const bool same = a.IsDouble() ? SameDouble(a.GetDouble(), b.GetDouble())
                                   : a.GetInt64() == b.GetInt64();
    if (!same) {
      return AssertionFailure()
             << where << ": expected " << internal::FormatDouble(a.GetDouble())
             << ", got " << internal::FormatDouble(b.GetDouble());
    }
    return AssertionSuccess();
  }
  if (a.IsString()) {
    if (std::string(a.GetString()) != b.GetString()) {
      return AssertionFailure() << where << ": expected \"" << a.GetString()
                                << "\", got \"" << b.GetString() << "\"";
    }
    return AssertionSuccess();
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) {
      return AssertionFailure() << where << ": expected " << a.Size()
                                << " items, got " << b.Size();
    }
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      AssertionResult r = CompareJson(a[i], b[i], internal::IndexPath(path, i));
      if (!r) return r;
    }
    return AssertionSuccess();
  }
  if (a.IsObject()) {
    auto ia = a.MemberBegin();
    auto ib = b.MemberBegin();
    for (; ia != a.MemberEnd() && ib != b.MemberEnd(); ++ia, ++ib) {
      if (std::string(ia->name.GetString()) != ib->name.GetString()) {
        return AssertionFailure()
               << where << ": expected key \"" << ia->name.GetString()
               << "\", got \"" << ib->name.GetString() << "\"";
      }
      AssertionResult r = CompareJson(
          ia->value, ib->value, internal::KeyPath(path, ia->name.GetString()));
      if (!r) return r;
    }
    if (ia != a.MemberEnd() || ib != b.MemberEnd()) {
      return AssertionFailure() << where << ": expected " << a.MemberCount()
                                << " keys, got " << b.MemberCount();
    }
    return AssertionSuccess();
  }
  if (a.IsBool() && a.GetBool() != b.GetBool()) {
    return AssertionFailure() << where << ": bool differs";
  }
  return AssertionSuccess();
}

}  // namespace

AssertionResult SameEncoding(const quant::Encoding& a,
                             const quant::Encoding& b) {
  if (SameDouble(a.min, b.min) && SameDouble(a.max, b.max) &&
      SameDouble(a.scale, b.scale) && SameDouble(a.offset, b.offset) &&
      a.bitwidth == b.bitwidth && a.symmetric == b.symmetric &&
      a.strict_symmetric == b.strict_symmetric &&
      a.pass_through == b.pass_through) {
    return AssertionSuccess();
  }
  return AssertionFailure() << Describe(a) << " vs " << Describe(b);
}

AssertionResult SameTensor(const quant::TensorEncodings& a,
                           const quant::TensorEncodings& b) {
  if (a.tensor != b.tensor || a.is_param != b.is_param || a.dtype != b.dtype ||
      a.bitwidth != b.bitwidth || a.channel_axis != b.channel_axis ||
      a.block_size != b.block_size ||
      a.encodings.size() != b.encodings.size()) {
    return AssertionFailure()
           << "tensor " << a.tensor << " vs " << b.tensor << ": param "
           << a.is_param << "/" << b.is_param << " dtype "
           << static_cast<int>(a.dtype) << "/" << static_cast<int>(b.dtype)
           << " bw " << a.bitwidth << "/" << b.bitwidth << " axis "
           << a.channel_axis.value_or(-1) << "/" << b.channel_axis.value_or(-1)
           << " block " << a.block_size << "/" << b.block_size << " n "
           << a.encodings.size() << "/" << b.encodings.size();
  }
  for (size_t i = 0; i < a.encodings.size(); ++i) {
    AssertionResult r = SameEncoding(a.encodings[i], b.encodings[i]);
    if (!r) return r << " (tensor " << a.tensor << ", entry " << i << ")";
  }
  return AssertionSuccess();
}

AssertionResult SameSet(const quant::EncodingSet& a,
                        const quant::EncodingSet& b) {
  for (int p = 0; p < 2; ++p) {
    const auto& la = p ? a.params : a.activations;
    const auto& lb = p ? b.params : b.activations;
    if (la.size() != lb.size()) {
      return AssertionFailure() << (p ? "params" : "activations") << ": "
                                << la.size() << " vs " << lb.size();
    }
    for (size_t i = 0; i < la.size(); ++i) {
      AssertionResult r = SameTensor(la[i], lb[i]);
      if (!r) return r;
    }
  }
  if (a.excluded_layers != b.excluded_layers ||
      a.quant_scheme != b.quant_scheme ||
      a.activation_bitwidth != b.activation_bitwidth ||
      a.param_bitwidth != b.param_bitwidth ||
      a.per_channel_quantization != b.per_channel_quantization ||
      a.activations_symmetric != b.activations_symmetric ||
      a.params_symmetric != b.params_symmetric) {
    return AssertionFailure() << "excluded_layers or quantizer_args differ";
  }
  return AssertionSuccess();
}

AssertionResult SameLayouts(const BlockwiseLayouts& a,
                            const BlockwiseLayouts& b) {
  if (a.size() != b.size()) {
    return AssertionFailure() << a.size() << " vs " << b.size() << " layouts";
  }
  for (const auto& [name, la] : a) {
    auto it = b.find(name);
    if (it == b.end()) return AssertionFailure() << "no layout for " << name;
    const BlockwiseLayout& lb = it->second;
    bool same = la.num_channels == lb.num_channels &&
                la.block_axis == lb.block_axis &&
                la.decompressed_bitwidth == lb.decompressed_bitwidth &&
                la.per_block_int_scale == lb.per_block_int_scale &&
                la.per_channel_scale.size() == lb.per_channel_scale.size();
    for (size_t i = 0; same && i < la.per_channel_scale.size(); ++i) {
      same = SameDouble(la.per_channel_scale[i], lb.per_channel_scale[i]);
    }
    if (!same) return AssertionFailure() << "layout of " << name << " differs";
  }
  return AssertionSuccess();
}

AssertionResult SameJson(const std::string& expected,
                         const std::string& actual) {
  rapidjson::Document a, b;
  absl::Status sa = internal::ParseJson(expected, "expected", &a);
  absl::Status sb = internal::ParseJson(actual, "actual", &b);
  if (!sa.ok() || !sb.ok()) {
    return AssertionFailure() << sa << " / " << sb;
  }
  return CompareJson(a, b, "");
}

std::string ReadTestFile(const std::string& path) {
  absl::StatusOr<std::string> text = engine::ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : std::string();
}

}  // namespace quantsim::io::testing
