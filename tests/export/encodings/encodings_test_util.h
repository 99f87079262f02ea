// Helpers for the encodings file tests: building encodings like the spec's
// examples, bit-exact EncodingSet comparison, field-by-field JSON comparison.
#ifndef QUANTSIM_TESTS_EXPORT_ENCODINGS_ENCODINGS_TEST_UTIL_H_
#define QUANTSIM_TESTS_EXPORT_ENCODINGS_ENCODINGS_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "export/encodings/encodings_file.h"
#include "export/encodings/json_util.h"
#include "gtest/gtest.h"
#include "quant/encoding.h"
#include "quant/quantizer_spec.h"

namespace quantsim::io::testing {

// Grid-aligned encoding from (scale, offset), min/max computed the way the
// readers reconstruct them (min = scale * offset, max = scale * (offset +
// N)).
inline quant::Encoding GridEncoding(int bits, bool symmetric, double scale,
                                    int64_t offset, bool strict = false) {
  quant::Encoding e;
  e.bitwidth = bits;
  e.symmetric = symmetric;
  e.strict_symmetric = strict;
  e.scale = scale;
  e.offset = static_cast<double>(offset);
  e.min = scale * e.offset;
  e.max = scale * (e.offset + static_cast<double>(quant::NumSteps(e)));
  return e;
}

// An encoding with explicit min/max (0.6.1 stores them as written).
inline quant::Encoding RawEncoding(int bits, bool symmetric, double min,
                                   double max, double scale, int64_t offset) {
  quant::Encoding e;
  e.bitwidth = bits;
  e.symmetric = symmetric;
  e.min = min;
  e.max = max;
  e.scale = scale;
  e.offset = static_cast<double>(offset);
  return e;
}

inline quant::TensorEncodings IntTensor(const std::string& name, bool param,
                                        quant::PerChannelEncoding encs,
                                        std::optional<int> axis = {},
                                        int64_t block_size = 0) {
  quant::TensorEncodings t;
  t.tensor = name;
  t.is_param = param;
  t.bitwidth = encs.empty() ? 8 : encs[0].bitwidth;
  t.encodings = std::move(encs);
  t.channel_axis = axis;
  t.block_size = block_size;
  return t;
}

inline quant::TensorEncodings FloatTensor(
    const std::string& name, bool param,
    quant::QuantDataType dtype = quant::QuantDataType::kFloat16) {
  quant::TensorEncodings t;
  t.tensor = name;
  t.is_param = param;
  t.dtype = dtype;
  t.bitwidth = 16;
  return t;
}

inline quant::TensorEncodings PassThroughTensor(const std::string& name,
                                                bool param) {
  quant::Encoding e;
  e.bitwidth = 32;
  e.pass_through = true;
  quant::TensorEncodings t = IntTensor(name, param, {e});
  t.bitwidth = 32;
  return t;
}

// LPBQ tensor: effective block encodings k * s on the b-bit signed grid and
// the layout holding the factors.
inline quant::TensorEncodings LpbqTensor(const std::string& name, int b,
                                         int dbw, int64_t block_size,
                                         const std::vector<double>& s,
                                         const std::vector<int64_t>& k,
                                         BlockwiseLayout* layout) {
  const size_t blocks = k.size() / s.size();
  quant::PerChannelEncoding encs;
  for (size_t i = 0; i < k.size(); ++i) {
    encs.push_back(GridEncoding(b, true,
                                static_cast<double>(k[i]) * s[i / blocks],
                                -(int64_t{1} << (b - 1))));
  }
  layout->num_channels = static_cast<int64_t>(s.size());
  layout->block_axis = 1;
  layout->decompressed_bitwidth = dbw;
  layout->per_channel_scale = s;
  layout->per_block_int_scale = k;
  return IntTensor(name, true, encs, 0, block_size);
}

// The set with tensors sorted by name, as 0.6.1 files (dicts written with
// sorted keys) give them back.
inline quant::EncodingSet SortedByName(quant::EncodingSet set) {
  auto by_name = [](const quant::TensorEncodings& a,
                    const quant::TensorEncodings& b) {
    return a.tensor < b.tensor;
  };
  std::sort(set.activations.begin(), set.activations.end(), by_name);
  std::sort(set.params.begin(), set.params.end(), by_name);
  return set;
}

inline bool SameDouble(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

::testing::AssertionResult SameEncoding(const quant::Encoding& a,
                                        const quant::Encoding& b);
::testing::AssertionResult SameTensor(const quant::TensorEncodings& a,
                                      const quant::TensorEncodings& b);
// Every field, doubles bit for bit.
::testing::AssertionResult SameSet(const quant::EncodingSet& a,
                                   const quant::EncodingSet& b);
::testing::AssertionResult SameLayouts(const BlockwiseLayouts& a,
                                       const BlockwiseLayouts& b);

// Field by field, in order (object key order included), numbers exactly
// and with the same JSON kind (integer vs float).
::testing::AssertionResult SameJson(const std::string& expected,
                                    const std::string& actual);

std::string ReadTestFile(const std::string& path);

}  // namespace quantsim::io::testing

#endif  // QUANTSIM_TESTS_EXPORT_ENCODINGS_ENCODINGS_TEST_UTIL_H_
