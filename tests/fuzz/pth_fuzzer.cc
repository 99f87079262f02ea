// libFuzzer target for the .pth reader (zip container + pickle subset): any
// bytes must give a StateDict or a Status, never a crash, a sanitizer report
// or an allocation beyond what the input justifies. Whatever parses must
// serialise and parse again to the same keys.
// Build and run: bazel run --config=fuzz //tests/fuzz:pth_fuzzer -- \
//   -max_total_time=30 tests/data/pth
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "export/pth/pth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using quantsim::pth::StateDict;
  absl::StatusOr<StateDict> sd = quantsim::pth::ParsePth(
      absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz.pth");
  if (!sd.ok()) return 0;
  absl::StatusOr<std::string> bytes = quantsim::pth::SerializePth(*sd);
  if (!bytes.ok()) return 0;  // e.g. one storage viewed as two dtypes
  absl::StatusOr<StateDict> again =
      quantsim::pth::ParsePth(*bytes, "again.pth");
  if (!again.ok() || again->size() != sd->size()) std::abort();
  for (size_t i = 0; i < sd->size(); ++i) {
    if ((*again)[i].key != (*sd)[i].key) std::abort();
  }
  return 0;
}
