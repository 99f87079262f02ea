#include "engine/device.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace quantsim::engine {

std::string Device::ToString() const {
  return is_cpu() ? "cpu" : absl::StrCat("cuda:", index);
}

absl::StatusOr<Device> Device::Parse(absl::string_view text) {
  if (text == "cpu") return Cpu();
  if (text == "cuda") return Cuda(0);
  int index = 0;
  if (absl::StartsWith(text, "cuda:") &&
      absl::SimpleAtoi(text.substr(5), &index) && index >= 0) {
    return Cuda(index);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown device '", text, "' (cpu, cuda, cuda:N)"));
}

}  // namespace quantsim::engine
