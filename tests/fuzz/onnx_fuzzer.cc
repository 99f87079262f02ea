// libFuzzer target for the ONNX reader: any bytes must give an OnnxModel or a
// Status, never a crash, a sanitizer report or an unbounded allocation (no
// base folder: external data is rejected, so nothing outside is read).
// Whatever parses is written back (WriteOnnx's serializer) and read again.
// Build and run: bash tools/run_fuzzers.sh 10
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "export/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<quantsim::io::OnnxModel> m = quantsim::io::ParseOnnx(
      absl::string_view(reinterpret_cast<const char*>(data), size),
      "fuzz.onnx");
  if (m.ok()) {
    absl::StatusOr<std::string> bytes = quantsim::io::SerializeOnnx(m->graph);
    if (bytes.ok()) (void)quantsim::io::ParseOnnx(*bytes, "fuzz2.onnx");
  }
  return 0;
}
