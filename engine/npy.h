// quantsim engine: NumPy .npy files.
//
// Contract:
//  - ReadNpy(path) loads format versions 1.0/2.0/3.0 with any dtype of
//    dtype.h (little- or big-endian; big-endian is byte-swapped), C- or
//    Fortran-order (returned as a contiguous C-order tensor).
//  - Errors name the file: NotFound (missing), DataLoss (bad magic,
//    truncated header or data, malformed header), InvalidArgument (dtype or
//    layout we do not hold, e.g. object arrays or negative dims). The data
//    size is checked against the file before anything is allocated.
//  - ParseNpy does the same on bytes already in memory (`name` is used in
//    messages); fuzzers call it.
//  - WriteNpy writes version 1.0 (2.0 when the header needs it), C-order,
//    atomically: a temporary file in the same folder renamed into place, so
//    a failed write leaves no partial file.
#ifndef QUANTSIM_ENGINE_NPY_H_
#define QUANTSIM_ENGINE_NPY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/tensor.h"

namespace quantsim::engine {

absl::StatusOr<Tensor> ReadNpy(const std::string& path);
absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes,
                                const std::string& name);
absl::Status WriteNpy(const std::string& path, const Tensor& tensor);
// The bytes WriteNpy would write.
absl::StatusOr<std::string> SerializeNpy(const Tensor& tensor);

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_NPY_H_
