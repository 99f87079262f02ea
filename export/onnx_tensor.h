// quantsim export (internal): onnx::TensorProto <-> engine::Tensor.
//
// Contract: TensorFromProto converts every dtype of engine::DType from
// raw_data, the typed repeated fields or external data (location relative to
// `base_dir`, offset/length checked against the file size; absolute paths and
// paths leaving base_dir are rejected). Nothing is allocated before the data
// present is known to cover the shape. Errors name the tensor: DataLoss for
// data shorter/longer than the shape, InvalidArgument for negative dims or a
// bad external location, Unimplemented for string/complex/u64 tensors.
// TensorToProto writes raw_data (little-endian).
#ifndef QUANTSIM_EXPORT_ONNX_TENSOR_H_
#define QUANTSIM_EXPORT_ONNX_TENSOR_H_

#include <onnx/onnx_pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "engine/dtype.h"
#include "engine/tensor.h"
#include "graph/attributes.h"

namespace quantsim::io {

absl::StatusOr<engine::DType> DTypeFromOnnx(int32_t onnx_type,
                                            const std::string& what);
int32_t DTypeToOnnx(engine::DType dtype);

// `what` names the tensor in messages ("initializer 'w'").
absl::StatusOr<engine::Tensor> TensorFromProto(const onnx::TensorProto& proto,
                                               const std::string& base_dir,
                                               const std::string& what);
absl::Status TensorToProto(const engine::Tensor& tensor,
                           const std::string& name, onnx::TensorProto* proto);

// AttributeProto -> typed attribute (INT, FLOAT, STRING, INTS, FLOATS,
// STRINGS, TENSOR; an UNDEFINED type is inferred from the field set, as old
// exporters left it out). GRAPH(S), SPARSE_TENSOR(S), TYPE_PROTO(S) and
// function references -> Unimplemented naming `where` (the node).
absl::StatusOr<graph::AttrValue> AttrFromProto(const onnx::AttributeProto& a,
                                               const std::string& base_dir,
                                               const std::string& where);
absl::Status AttrToProto(const std::string& name, const graph::AttrValue& v,
                         onnx::AttributeProto* proto);

}  // namespace quantsim::io

#endif  // QUANTSIM_EXPORT_ONNX_TENSOR_H_
