// quantsim engine: whole-file reads and atomic writes.
//
// Contract: ReadFile returns NotFound for a missing file and DataLoss for an
// I/O error, naming the path. WriteFileAtomic writes to a temporary file in
// the destination folder, flushes it and renames it over `path`, so readers
// never see a partial file and a failure leaves nothing behind.
#ifndef QUANTSIM_ENGINE_FILE_H_
#define QUANTSIM_ENGINE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::engine {

absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::Status WriteFileAtomic(const std::string& path, absl::string_view bytes);

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_FILE_H_
