// libFuzzer target for the .pth reader (zip container + pickle subset): any
// bytes must give a StateDict or a Status, never a crash, a sanitizer report
// or an allocation beyond what the input justifies. Whatever parses must
// serialise and parse again to the same keys. Since mutated entries mostly
// fail their CRC, the stored entries are also re-zipped with fresh CRCs and
// parsed again, so mutations reach the pickle VM and the tensor checks.
// Build and run: bazel run --config=fuzz //tests/fuzz:pth_fuzzer -- \
//   -max_total_time=30 tests/data/pth
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "export/pth/pth.h"
#include "export/pth/zip.h"

namespace {

void ParseAndRoundTrip(absl::string_view bytes) {
  using quantsim::pth::StateDict;
  absl::StatusOr<StateDict> sd = quantsim::pth::ParsePth(bytes, "fuzz.pth");
  if (!sd.ok()) return;
  absl::StatusOr<std::string> out = quantsim::pth::SerializePth(*sd);
  if (!out.ok()) return;  // e.g. one storage viewed as two dtypes
  absl::StatusOr<StateDict> again = quantsim::pth::ParsePth(*out, "again.pth");
  if (!again.ok() || again->size() != sd->size()) std::abort();
  for (size_t i = 0; i < sd->size(); ++i) {
    if ((*again)[i].key != (*sd)[i].key) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  ParseAndRoundTrip(bytes);
  absl::StatusOr<std::vector<quantsim::pth::ZipEntry>> entries =
      quantsim::pth::ParseZip(bytes, "fuzz.pth");
  if (!entries.ok()) return 0;
  quantsim::pth::ZipWriter rezip;
  for (const quantsim::pth::ZipEntry& e : *entries) {
    if (e.method != 0) continue;
    rezip.AddStored(e.name, bytes.substr(e.data_offset, e.size));
  }
  ParseAndRoundTrip(rezip.Finish());
  return 0;
}
