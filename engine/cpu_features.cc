#include "engine/cpu_features.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "xsimd/xsimd.hpp"

namespace quantsim::engine {
namespace {

struct DefaultChoice {
  Isa isa;
  std::string reason;
};

Isa Widest() {
  const CpuFeatures f = DetectCpu();
  if (f.avx512) return Isa::kAvx512;
  if (f.avx2) return Isa::kAvx2;
  if (f.sse2) return Isa::kSse2;
  return Isa::kScalar;
}

DefaultChoice ChooseDefault() {
  const char* env = std::getenv("QUANTSIM_FORCE_ARCH");
  if (env == nullptr || *env == '\0') {
    return {Widest(), "widest supported"};
  }
  absl::StatusOr<Isa> forced = ParseIsa(env);
  if (!forced.ok()) {
    return {Widest(), absl::StrCat("QUANTSIM_FORCE_ARCH=", env,
                                   " is unknown; using widest supported")};
  }
  if (!IsaSupported(*forced)) {
    return {Widest(), absl::StrCat("QUANTSIM_FORCE_ARCH=", env,
                                   " is not supported by this CPU")};
  }
  return {*forced, absl::StrCat("QUANTSIM_FORCE_ARCH=", env)};
}

const DefaultChoice& Default() {
  static const DefaultChoice* choice = new DefaultChoice(ChooseDefault());
  return *choice;
}

}  // namespace

CpuFeatures DetectCpu() {
  const auto a = xsimd::available_architectures();
  CpuFeatures f;
  f.sse2 = a.sse2;
  f.avx2 = a.avx2 && a.fma3_avx2;
  f.avx512 = a.avx512f && a.avx512cd && a.avx512dq && a.avx512bw;
  return f;
}

bool IsaSupported(Isa isa) {
  const CpuFeatures f = DetectCpu();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kSse2:
      return f.sse2;
    case Isa::kAvx2:
      return f.avx2;
    case Isa::kAvx512:
      return f.avx512;
  }
  return false;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse2:
      return "sse2";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

absl::StatusOr<Isa> ParseIsa(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "scalar") return Isa::kScalar;
  if (n == "sse2") return Isa::kSse2;
  if (n == "avx2") return Isa::kAvx2;
  if (n == "avx512") return Isa::kAvx512;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown instruction set '", name, "' (scalar|sse2|avx2|avx512)"));
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::kScalar, Isa::kSse2, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(i)) out.push_back(i);
  }
  return out;
}

Isa DefaultIsa() { return Default().isa; }
std::string DefaultIsaReason() { return Default().reason; }

}  // namespace quantsim::engine
