// quantsim export (internal): upgrading ONNX nodes of older opsets to the
// newest forms our ops implement.
//
// Contract: UpgradeNode rewrites one imported node (plain data, no protobuf)
// of a model with default-domain opset `opset` into one or more nodes of
// the newest form: attributes that became inputs (Squeeze/Unsqueeze/Split/
// ReduceSum axes at 13, Clip min/max at 11, Pad pads/value at 11, Slice at
// 10, Reshape shape at 5, TopK k at 10, Dropout ratio at 12) become constant
// inputs; Softmax/LogSoftmax/Hardmax < 13 (flatten-at-axis semantics)
// become Flatten -> op(axis=-1) -> Reshape(Shape(x)) unless the input rank
// is known and axis is the last one; Upsample becomes Resize; removed
// attributes that change nothing (BatchNormalization spatial=1/is_test,
// Gemm broadcast, consumed_inputs ...) are dropped; ones that would change
// the result (spatial=0, legacy broadcast axis) -> Unimplemented naming the
// node. The node keeps its name and its output names; new values and nodes
// get fresh names derived from it. Each rule is one small function in a
// table (onnx_upgrade.cc), tested in tests/export/onnx_upgrade_test.cc.
#ifndef QUANTSIM_EXPORT_ONNX_UPGRADE_H_
#define QUANTSIM_EXPORT_ONNX_UPGRADE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tensor.h"
#include "graph/attributes.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

namespace quantsim::io {

// A node as read from the file, before it joins the graph.
struct ImportNode {
  std::string name;
  std::string op_type;              // default-domain type, or "<domain>.<type>"
  std::vector<std::string> inputs;  // "" = missing optional input
  std::vector<std::string> outputs;
  graph::Attributes attrs;

  std::string Describe() const { return op_type + " '" + name + "'"; }
};

class UpgradeContext {
 public:
  virtual ~UpgradeContext() = default;
  // Adds a constant value named after `base` (made unique); returns its name.
  virtual absl::StatusOr<std::string> AddConstant(const std::string& base,
                                                  engine::Tensor data) = 0;
  // A value/node name not used yet, built from `base`.
  virtual std::string UniqueName(const std::string& base) = 0;
  // The type of a value when the file declares it (inputs, initializers,
  // value_info), else null.
  virtual const graph::ValueType* KnownType(const std::string& value) const = 0;
  // Registry whose ops decide some targets (may be null).
  virtual const graph::OpRegistry* registry() const = 0;
};

// Rewrites `node` (of a model at default-domain `opset`) into the nodes that
// replace it, in order (usually just the upgraded node itself).
absl::StatusOr<std::vector<ImportNode>> UpgradeNode(ImportNode node, int opset,
                                                    UpgradeContext& ctx);

}  // namespace quantsim::io

#endif  // QUANTSIM_EXPORT_ONNX_UPGRADE_H_
