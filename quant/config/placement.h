// quantsim quant: quantizer placement — a QuantSimConfig applied to a graph
// (spec §4.2), producing the QuantizerSpecs QuantSim turns into QDQ nodes.
//
// Contract (PlaceQuantizers):
//  - Quantizers: an output quantizer per floating-point node output; a param
//    quantizer per floating-point parameter/constant at a parameter slot
//    (ParamNameForInput: Conv/ConvTranspose/Gemm/MatMul input 1 "weight",
//    input 2 "bias", BatchNormalization 3/4 "running_mean"/"running_var"...);
//    an input quantizer per other floating-point node input (activations,
//    graph inputs, and constants or initializers outside parameter slots,
//    which aimet-onnx quantizes as activations). Every quantizer is
//    returned, enabled or not, in topological node order; per node: inputs
//    and params by input index, then outputs.
//  - Settings apply in AIMET's order, each overriding the previous:
//    start (all off, asymmetric) -> defaults -> params.<name> ->
//    op_type.<OnnxType> -> supergroups -> model_input -> model_output, then
//    two graph-level rules: a tensor is never quantized twice in a row (an
//    enabled input quantizer whose tensor is already quantized upstream —
//    by the producer's output quantizer, or through data-movement ops — is
//    disabled), and bitwidth 32 disables.
//  - op_type is_output_quantized "False" disables the whole tensor: the
//    output quantizer and every consumer's input quantizer, continuing
//    through data-movement ops (IsDataMovementOp). It is applied after all
//    other op_type settings, so it wins over a consumer's
//    is_input_quantized "True"; model_input may re-enable graph-input and
//    constant positions afterwards.
//  - Data-movement op outputs (aimet-onnx's op_types_to_ignore: Flatten,
//    Reshape, Transpose, Squeeze, Unsqueeze, Gather, Split, Tile, Compress,
//    Shape, Identity) start disabled whatever defaults say: their output is
//    the producer's grid. Only an explicit op_type is_output_quantized
//    "True" enables them.
//  - Supergroups: a chain of nodes whose types are op_list, each
//    intermediate output read by exactly one node (the next) and not a
//    graph output: first op outputs off, last op inputs off, middle ops
//    both off. Conv/ConvTranspose/Gemm feeding a BatchNormalization as its
//    only consumer is scale-foldable: the conv's output quantizer state
//    moves to the BN output; BN input and param quantizers are disabled.
//  - Per-channel (params of Conv, ConvTranspose, Gemm, MatMul only):
//    op_type.<T>.per_channel_quantization if given, else
//    defaults.per_channel_quantization. Axis (spec §1.8, aimet-onnx):
//    weight of Conv 0, ConvTranspose 1, Gemm transB=1 0 / transB=0 1,
//    MatMul rank-1 (the N axis of [.., K, N]); 1-D params (bias) 0; scalars
//    and 1-D MatMul weights stay per tensor.
//  - Grid: bitwidth from options (default_output_bw for inputs/outputs,
//    default_param_bw for params), symmetric from the config,
//    strict/unsigned symmetric from defaults (absent = false). Float
//    options.default_data_type: dtype fp16/bf16, bitwidth 16.
//  - encoding_constraints of an op type go to its output quantizers.
//  - supported_kernels and hw_version are informational (not enforced).
//  - Errors: InvalidArgument for invalid options (ValidateQuantSimOptions)
//    or a graph with a cycle.
#ifndef QUANTSIM_QUANT_CONFIG_PLACEMENT_H_
#define QUANTSIM_QUANT_CONFIG_PLACEMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "quant/config/quantsim_config.h"
#include "quant/quantizer_spec.h"
#include "quant/quantsim_options.h"

namespace quantsim::quant {

// The parameter name ("weight", "bias", ...) of input `index` of an op of
// type `op_type`, or "" when that input is not a parameter slot.
absl::string_view ParamNameForInput(absl::string_view op_type, int index);

// Pure data movement: the output reuses the input's grid (spec §4.2).
bool IsDataMovementOp(absl::string_view op_type);

// Ops whose parameters may be quantized per channel.
bool SupportsPerChannel(absl::string_view op_type);

// The per-channel axis of input `index` of `node` (a parameter of rank
// `rank`), or nullopt for per-tensor. InvalidArgument for a bad transB.
absl::StatusOr<std::optional<int>> PerChannelAxis(const graph::Node& node,
                                                  int index, int rank);

absl::StatusOr<std::vector<QuantizerSpec>> PlaceQuantizers(
    const graph::Graph& graph, const QuantSimConfig& config,
    const QuantSimOptions& options);

}  // namespace quantsim::quant

#endif  // QUANTSIM_QUANT_CONFIG_PLACEMENT_H_
