// Placement tables: parameter slots by op type, data-movement ops and
// per-channel axes (placement.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "quant/config/placement.h"

namespace quantsim::quant {
namespace {

// Parameter slots: (ONNX op type, input index) -> the name config
// "params.<name>" keys use. Torch module attribute names (spec §4.1:
// weight -> weight, bias -> bias; BN running statistics).
struct ParamSlot {
  const char* op_type;
  int input;
  const char* name;
};

constexpr ParamSlot kParamSlots[] = {
    {"Conv", 1, "weight"},
    {"Conv", 2, "bias"},
    {"ConvTranspose", 1, "weight"},
    {"ConvTranspose", 2, "bias"},
    {"Gemm", 1, "weight"},
    {"Gemm", 2, "bias"},
    {"MatMul", 1, "weight"},  // only when input 1 is an initializer
    {"BatchNormalization", 1, "weight"},
    {"BatchNormalization", 2, "bias"},
    {"BatchNormalization", 3, "running_mean"},
    {"BatchNormalization", 4, "running_var"},
    {"LayerNormalization", 1, "weight"},
    {"LayerNormalization", 2, "bias"},
    {"GroupNormalization", 1, "weight"},
    {"GroupNormalization", 2, "bias"},
    {"InstanceNormalization", 1, "weight"},
    {"InstanceNormalization", 2, "bias"},
    {"PRelu", 1, "weight"},
};

// aimet-onnx's op_types_to_ignore (no activation quantizer on the output).
constexpr const char* kDataMovementOps[] = {
    "Compress", "Flatten", "Gather", "Identity",  "Reshape",   "Shape",
    "Split",    "Squeeze", "Tile",   "Transpose", "Unsqueeze",
};

// aimet-onnx's allowed_op_type_for_per_channel.
constexpr const char* kPerChannelOps[] = {"Conv", "ConvTranspose", "Gemm",
                                          "MatMul"};

}  // namespace

absl::string_view ParamNameForInput(absl::string_view op_type, int index) {
  for (const ParamSlot& s : kParamSlots) {
    if (s.input == index && op_type == s.op_type) return s.name;
  }
  return "";
}

bool IsDataMovementOp(absl::string_view op_type) {
  for (const char* t : kDataMovementOps) {
    if (op_type == t) return true;
  }
  return false;
}

bool SupportsPerChannel(absl::string_view op_type) {
  for (const char* t : kPerChannelOps) {
    if (op_type == t) return true;
  }
  return false;
}

absl::StatusOr<std::optional<int>> PerChannelAxis(const graph::Node& node,
                                                  int index, int rank) {
  if (rank <= 0) return std::optional<int>();  // scalar: per tensor
  if (ParamNameForInput(node.op_type, index) != "weight" || rank == 1) {
    // Bias and other 1-D parameters (spec §1.8). A 1-D MatMul weight [K] has
    // no output-channel axis.
    if (node.op_type == "MatMul" && rank == 1) return std::optional<int>();
    return std::optional<int>(0);
  }
  if (node.op_type == "ConvTranspose") return std::optional<int>(1);
  if (node.op_type == "Gemm") {
    // ONNX Gemm: Y = A * op(B); B is [K, N], or [N, K] when transB = 1. The
    // output channels are N.
    QS_ASSIGN_OR_RETURN(int64_t trans_b,
                        node.attrs.GetIntOr("transB", 0, node.Describe()));
    if (trans_b != 0 && trans_b != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": transB must be 0 or 1, got ", trans_b));
    }
    return std::optional<int>(trans_b == 1 ? 0 : 1);
  }
  if (node.op_type == "MatMul") return std::optional<int>(rank - 1);
  return std::optional<int>(0);  // Conv and everything else
}

}  // namespace quantsim::quant
