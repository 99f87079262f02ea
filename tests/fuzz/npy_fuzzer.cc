// libFuzzer target for the .npy reader: any bytes must give a Tensor or a
// Status, never a crash, a sanitizer report or an unbounded allocation.
// Build and run: bazel run --config=fuzz //tests/fuzz:npy_fuzzer -- \
//   -max_total_time=30 tests/data/digits
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "engine/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<quantsim::engine::Tensor> t = quantsim::engine::ParseNpy(
      absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  if (t.ok()) {
    // Whatever parsed must serialise again.
    (void)quantsim::engine::SerializeNpy(*t);
  }
  return 0;
}
