// quantsim pth: state_dicts <-> graph parameters, by name.
//
// Contract:
//  - torch.onnx.export names initializers after the state_dict keys
//    ("conv1.weight"), so a graph imported from ONNX has parameters that a
//    .pth of the same model can fill. LoadStateDict matches each key to the
//    graph parameter (ValueKind::kParameter) of the same name and replaces
//    its tensor (Graph::SetValueData): the same dtype is taken as is (shared,
//    made contiguous if it is a strided view); an f64, f16 or bf16 tensor
//    for an f32 parameter is converted (f64 rounds to nearest, f16/bf16
//    exactly). The report lists keys loaded, parameters missing from the
//    dict, keys naming no parameter ("unexpected", e.g. BatchNorm's
//    num_batches_tracked after folding) and keys whose shape (or
//    unconvertible dtype) differs ("shape_mismatched", with both types).
//  - strict (torch's default): any missing, unexpected or mismatched key
//    fails with InvalidArgument listing them all, and the graph is left
//    unchanged. Non-strict: matching keys are loaded, the rest reported.
//  - GraphToStateDict lists the graph's parameters (and, if asked, its
//    constants) in value order, sharing their tensors, for WritePth.
#ifndef QUANTSIM_EXPORT_PTH_LOAD_STATE_DICT_H_
#define QUANTSIM_EXPORT_PTH_LOAD_STATE_DICT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "export/pth/pth.h"
#include "graph/graph.h"

namespace quantsim::pth {

struct LoadOptions {
  bool strict = true;
};

struct KeyMismatch {
  std::string key;
  std::string expected;  // the parameter's type, "f32[16, 1, 3, 3]"
  std::string got;       // the state_dict tensor's
};

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // parameters absent from the dict
  std::vector<std::string> unexpected;  // keys naming no parameter
  std::vector<KeyMismatch> shape_mismatched;

  bool clean() const {
    return missing.empty() && unexpected.empty() && shape_mismatched.empty();
  }
  // "loaded 8; missing: a, b; unexpected: c; shape mismatched: d (f32[2]
  // expected, f32[3] given)".
  std::string ToString() const;
};

absl::StatusOr<LoadReport> LoadStateDict(graph::Graph& graph,
                                         const StateDict& dict,
                                         const LoadOptions& options = {});

StateDict GraphToStateDict(const graph::Graph& graph,
                           bool include_constants = false);

}  // namespace quantsim::pth

#endif  // QUANTSIM_EXPORT_PTH_LOAD_STATE_DICT_H_
