// quantsim io (internal to export/encodings): exact JSON numbers and
// validated field access with JSON paths in error messages.
//
// Contract:
//  * FormatDouble prints the shortest decimal that parses back to the same
//    double (std::to_chars), with ".0" appended to integral values so that a
//    double stays a JSON float (as Python's json does).
//  * ParseJson parses with every number converted by std::from_chars (exact,
//    locale independent): integers without fraction/exponent become int64
//    (uint64 or double when larger), NaN/Infinity are accepted as doubles so
//    the field checks can name them. Syntax errors (corrupt or truncated
//    text) are DataLoss "<file>: ...".
//  * JsonFields reports InvalidArgument "<file>: <path>: <problem>".
#ifndef QUANTSIM_EXPORT_ENCODINGS_JSON_UTIL_H_
#define QUANTSIM_EXPORT_ENCODINGS_JSON_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"

namespace quantsim::io::internal {

using JsonValue = rapidjson::Value;
using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

std::string FormatDouble(double value);

// Writers for a PrettyWriter with 4-space indent.
void WriteDouble(JsonWriter& w, double value);
void WriteKey(JsonWriter& w, absl::string_view key);
void WriteString(JsonWriter& w, absl::string_view s);

absl::Status ParseJson(absl::string_view text, absl::string_view name,
                       rapidjson::Document* doc);

// "a.b", "a[\"odd key\"]", "a[3]".
std::string KeyPath(const std::string& parent, absl::string_view key);
std::string IndexPath(const std::string& parent, size_t index);

const char* JsonTypeName(const JsonValue& v);

class JsonFields {
 public:
  explicit JsonFields(absl::string_view file) : file_(file) {}

  absl::Status Error(const std::string& path, absl::string_view problem) const;
  absl::Status TypeError(const std::string& path, absl::string_view expected,
                         const JsonValue& got) const;

  // nullptr when absent; InvalidArgument when duplicated.
  absl::StatusOr<const JsonValue*> Find(const JsonValue& object,
                                        const std::string& path,
                                        const char* key) const;
  // InvalidArgument when absent.
  absl::StatusOr<const JsonValue*> Require(const JsonValue& object,
                                           const std::string& path,
                                           const char* key) const;

  absl::Status ExpectObject(const JsonValue& v, const std::string& path) const;
  absl::Status ExpectArray(const JsonValue& v, const std::string& path) const;
  absl::StatusOr<std::string> String(const JsonValue& v,
                                     const std::string& path) const;
  absl::StatusOr<bool> Bool(const JsonValue& v, const std::string& path) const;
  // A JSON integer, or a float with an integral value (Python writers print
  // libpymo's double offsets as -128.0).
  absl::StatusOr<int64_t> Integer(const JsonValue& v,
                                  const std::string& path) const;
  // Any finite number.
  absl::StatusOr<double> Finite(const JsonValue& v,
                                const std::string& path) const;
  // Integer in [lo, hi].
  absl::StatusOr<int64_t> IntegerIn(const JsonValue& v, const std::string& path,
                                    int64_t lo, int64_t hi) const;

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace quantsim::io::internal

#endif  // QUANTSIM_EXPORT_ENCODINGS_JSON_UTIL_H_
