// quantsim engine: where a tensor's memory lives.
//
// Contract: Device is a value type, cpu or cuda:N. Parse accepts "cpu",
// "cuda" (= cuda:0) and "cuda:N".
#ifndef QUANTSIM_ENGINE_DEVICE_H_
#define QUANTSIM_ENGINE_DEVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantsim::engine {

struct Device {
  enum class Kind { kCpu, kCuda };
  Kind kind = Kind::kCpu;
  int index = 0;

  static Device Cpu() { return Device{}; }
  static Device Cuda(int index) { return Device{Kind::kCuda, index}; }
  bool is_cpu() const { return kind == Kind::kCpu; }
  bool is_cuda() const { return kind == Kind::kCuda; }

  std::string ToString() const;
  static absl::StatusOr<Device> Parse(absl::string_view text);

  bool operator==(const Device& o) const {
    return kind == o.kind && index == o.index;
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_DEVICE_H_
