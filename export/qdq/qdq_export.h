// quantsim export: a simulation graph as a QDQ-embedded ONNX model (spec
// §5.1 "Newer QDQ export").
//
// Contract:
//  - LowerToQdqOnnx copies `sim_graph` and replaces every FakeQuantize node
//    (ops/fake_quantize.cc) on a tensor T by
//        T -> QuantizeLinear '<fq>_q' -> T_q -> DequantizeLinear '<fq>_dq'
//    whose output keeps the FakeQuantize's output name (consumers and graph
//    outputs keep theirs). Scale and zero point become initializers
//    T_scale (f32) and T_zero_point (the container type); per-tensor ones are
//    scalars, per-channel (`axis`) ones 1-D with the axis attribute (opset
//    13), blockwise ones (`axis` + `block_size`) shaped like T with the axis
//    dim divided by the block (opset 21; the FakeQuantize's per-(outer,
//    block) parameters are repeated over the trailing dims). A name already
//    taken gets a "_<n>" suffix. The FakeQuantize's mask output must be
//    unused; its scale and zero point must be parameters or constants with
//    finite scale > 0 and integer zero points.
//  - Container from the grid [qmin, qmax] and the zero points: the first of
//    uint8, int8, uint16, int16 (int8 first when qmin < 0) that holds all.
//    16-bit containers: opset-21 QuantizeLinear (default), the com.microsoft
//    QuantizeLinear/DequantizeLinear at opset 13 (ORT contrib ops; files stay
//    readable by ONNX <= 1.13 tools), or Unimplemented naming the tensor.
//    Wider grids (17..32 bits, e.g. int32 bias) only on parameters: stored
//    pre-quantized as an int32 initializer T_q, clip(rne(T/s) + z), feeding
//    only a DequantizeLinear (DequantizeLinear takes int32 since opset 10);
//    on activations Unimplemented.
//  - Narrow grids (2..7 bits in an 8-bit container, 9..15 in 16 bits,
//    strict symmetric [-127, 127] ...): ONNX clamps to the container only.
//    With emulate_narrow_grids (default) the exact grid is restored after
//    the DQ by Clip(y, (qmin-z)s, (qmax-z)s) (per tensor) or Max/Min with
//    per-channel bounds shaped to broadcast (per channel; needs T's rank);
//    on parameters the pre-quantized form (prequantize_parameters) needs no
//    clip. The DQ output (q - z)s is monotone in q, so the result equals the
//    simulation bit for bit. Without it the file clamps to the container.
//  - Rounding: ONNX QuantizeLinear rounds half to even (rne(x / s) + z, then
//    saturate), which is FakeQuantize's half_to_even formula exactly. The
//    half_away_from_zero / stochastic modes (AIMET v1 / libpymo) and their
//    clip_lo/clip_hi inputs have no ONNX form: they are exported as half to
//    even (values on exact .5 ties of x/s differ by one step) and listed in
//    QdqExportInfo::rounding_mismatch, or refused (FailedPrecondition naming
//    the node) with allow_rounding_mismatch = false.
//  - WriteQdqOnnx = LowerToQdqOnnx + io::WriteOnnx at the opset the lowered
//    graph needs: max(13 or 21, the other ops' own minimum opsets).
#ifndef QUANTSIM_EXPORT_QDQ_QDQ_EXPORT_H_
#define QUANTSIM_EXPORT_QDQ_QDQ_EXPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

namespace quantsim::io {

enum class SixteenBitQdq {
  kOpset21,          // ai.onnx QuantizeLinear-21 with (u)int16 (ORT >= 1.17)
  kMicrosoftDomain,  // com.microsoft QuantizeLinear/DequantizeLinear
  kRefuse,           // Unimplemented naming the tensor
};

struct QdqExportOptions {
  SixteenBitQdq sixteen_bit = SixteenBitQdq::kOpset21;
  bool emulate_narrow_grids = true;
  bool allow_rounding_mismatch = true;
  // FakeQuantize on a parameter or constant -> integer initializer T_q and a
  // DequantizeLinear only (smaller file, no QuantizeLinear on weights).
  // Grids wider than 16 bits are always pre-quantized.
  bool prequantize_parameters = false;
  // Registry for the other ops' minimum opsets; null: ops::BuiltinOps().
  const graph::OpRegistry* registry = nullptr;
};

// What the lowering did (optional output of LowerToQdqOnnx).
struct QdqExportInfo {
  int opset = 13;  // default-domain opset the graph needs
  bool uses_microsoft_domain = false;
  int num_quantizers = 0;                      // FakeQuantize nodes lowered
  std::vector<std::string> rounding_mismatch;  // FakeQuantize node names
  std::vector<std::string> narrow_grid_clips;  // ... whose grid got a clip
  std::vector<std::string> prequantized;       // ... stored as T_q
};

absl::StatusOr<graph::Graph> LowerToQdqOnnx(
    const graph::Graph& sim_graph, const QdqExportOptions& options = {},
    QdqExportInfo* info = nullptr);

absl::Status WriteQdqOnnx(const graph::Graph& sim_graph,
                          const std::string& path,
                          const QdqExportOptions& options = {},
                          QdqExportInfo* info = nullptr);

}  // namespace quantsim::io

#endif  // QUANTSIM_EXPORT_QDQ_QDQ_EXPORT_H_
