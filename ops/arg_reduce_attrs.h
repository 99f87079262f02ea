// quantsim ops: the attributes ArgMax and ArgMin share (ONNX opset 12+):
// axis (default 0, negative allowed), keepdims (default 1),
// select_last_index (default 0), and their output shape rule.
#ifndef QUANTSIM_OPS_ARG_REDUCE_ATTRS_H_
#define QUANTSIM_OPS_ARG_REDUCE_ATTRS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/status.h"
#include "graph/graph.h"

namespace quantsim::ops {

struct ArgReduceAttrs {
  int64_t axis = 0;
  bool keepdims = true;
  bool last = false;  // select_last_index
};

inline absl::StatusOr<ArgReduceAttrs> ParseArgReduceAttrs(
    const graph::Node& node) {
  const std::string where = node.Describe();
  ArgReduceAttrs c;
  QS_ASSIGN_OR_RETURN(c.axis, node.attrs.GetIntOr("axis", 0, where));
  QS_ASSIGN_OR_RETURN(int64_t k, node.attrs.GetIntOr("keepdims", 1, where));
  QS_ASSIGN_OR_RETURN(int64_t l,
                      node.attrs.GetIntOr("select_last_index", 0, where));
  c.keepdims = k != 0;
  c.last = l != 0;
  return c;
}

// `dims` with `axis` set to 1 (keepdims) or removed.
inline std::vector<int64_t> ArgReduceOutDims(std::vector<int64_t> dims,
                                             int axis, bool keepdims) {
  if (keepdims) {
    dims[axis] = 1;
  } else {
    dims.erase(dims.begin() + axis);
  }
  return dims;
}

}  // namespace quantsim::ops

#endif  // QUANTSIM_OPS_ARG_REDUCE_ATTRS_H_
