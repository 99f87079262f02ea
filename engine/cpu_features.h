// quantsim engine: CPU feature detection and the SIMD instruction set a
// kernel runs with.
//
// Contract: DetectCpu() reports what the CPU (and OS) supports. DefaultIsa()
// is the widest supported Isa, unless QUANTSIM_FORCE_ARCH=scalar|sse2|avx2|
// avx512 pins it (read once, at first use; an unsupported or unknown value
// falls back to the widest supported Isa and is reported by
// DefaultIsaReason()). Kernels take an explicit Isa so tests can run every
// variant in one process.
#ifndef QUANTSIM_ENGINE_CPU_FEATURES_H_
#define QUANTSIM_ENGINE_CPU_FEATURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::engine {

// Ordered from narrowest to widest.
enum class Isa { kScalar = 0, kSse2 = 1, kAvx2 = 2, kAvx512 = 3 };

struct CpuFeatures {
  bool sse2 = false;
  bool avx2 = false;    // with FMA3
  bool avx512 = false;  // F + CD + DQ + BW
};

CpuFeatures DetectCpu();

bool IsaSupported(Isa isa);
const char* IsaName(Isa isa);
absl::StatusOr<Isa> ParseIsa(absl::string_view name);

// All Isa values this CPU can run, narrowest first (always has kScalar).
std::vector<Isa> SupportedIsas();

// The Isa kernels use when the caller does not pick one (see file comment).
Isa DefaultIsa();
// Why DefaultIsa() is what it is, e.g. "QUANTSIM_FORCE_ARCH=avx2".
std::string DefaultIsaReason();

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_CPU_FEATURES_H_
