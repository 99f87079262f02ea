#include "tests/export/onnx_test_util.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace quantsim::io::testing {

onnx::ModelProto MakeModel(int opset, const std::vector<int64_t>& dims,
                           const std::vector<std::string>& outputs,
                           int64_t ir_version) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  m.add_opset_import()->set_version(opset);
  auto* in = m.mutable_graph()->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
  for (const std::string& o : outputs) {
    auto* out = m.mutable_graph()->add_output();
    out->set_name(o);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(
        onnx::TensorProto::FLOAT);
  }
  return m;
}

onnx::NodeProto* AddNode(onnx::ModelProto& m, const std::string& op,
                         const std::string& name,
                         const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

void AddIntsAttr(onnx::NodeProto* n, const std::string& name,
                 const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void AddIntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void AddFloatAttr(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void AddStringAttr(onnx::NodeProto* n, const std::string& name,
                   const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

onnx::TensorProto* AddFloatInit(onnx::ModelProto& m, const std::string& name,
                                const std::vector<int64_t>& dims,
                                const std::vector<float>& values) {
  onnx::TensorProto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return t;
}

std::string Bytes(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

namespace {

std::string TensorBytes(const engine::Tensor& t) {
  absl::StatusOr<engine::Tensor> c = t.Contiguous();
  if (!c.ok()) return "<error>";
  return std::string(static_cast<const char*>(c->raw_data()), c->nbytes());
}

bool SameTensor(const engine::Tensor& a, const engine::Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         TensorBytes(a) == TensorBytes(b);
}

bool SameAttrs(const graph::Attributes& a, const graph::Attributes& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a.values()) {
    auto it = b.values().find(k);
    if (it == b.values().end() || it->second.index() != v.index()) {
      return false;
    }
    if (graph::TypeOf(v) == graph::AttrType::kTensor) {
      if (!SameTensor(std::get<engine::Tensor>(v),
                      std::get<engine::Tensor>(it->second))) {
        return false;
      }
    } else if (graph::TypeOf(v) == graph::AttrType::kFloat) {
      float x = std::get<float>(v), y = std::get<float>(it->second);
      if (std::memcmp(&x, &y, sizeof(float)) != 0) return false;
    } else if (graph::TypeOf(v) == graph::AttrType::kFloats) {
      const auto& x = std::get<std::vector<float>>(v);
      const auto& y = std::get<std::vector<float>>(it->second);
      if (x.size() != y.size() ||
          (!x.empty() && std::memcmp(x.data(), y.data(), 4 * x.size()) != 0)) {
        return false;
      }
    } else if (graph::TypeOf(v) == graph::AttrType::kInt) {
      if (std::get<int64_t>(v) != std::get<int64_t>(it->second)) return false;
    } else if (graph::TypeOf(v) == graph::AttrType::kString) {
      if (std::get<std::string>(v) != std::get<std::string>(it->second)) {
        return false;
      }
    } else if (graph::TypeOf(v) == graph::AttrType::kInts) {
      if (std::get<std::vector<int64_t>>(v) !=
          std::get<std::vector<int64_t>>(it->second)) {
        return false;
      }
    } else if (std::get<std::vector<std::string>>(v) !=
               std::get<std::vector<std::string>>(it->second)) {
      return false;
    }
  }
  return true;
}

std::string Name(const graph::Graph& g, graph::ValueId id) {
  return id == graph::kNoValue ? "" : g.value(id).name;
}

}  // namespace

std::string DiffGraphs(const graph::Graph& a, const graph::Graph& b) {
  if (a.num_nodes() != b.num_nodes()) {
    return absl::StrCat("node count ", a.num_nodes(), " vs ", b.num_nodes());
  }
  for (int i = 0; i < a.num_nodes(); ++i) {
    const graph::Node& x = a.node(i);
    absl::StatusOr<graph::NodeId> j = b.FindNode(x.name);
    if (!j.ok()) return absl::StrCat("node '", x.name, "' missing");
    const graph::Node& y = b.node(*j);
    if (x.op_type != y.op_type) return absl::StrCat(x.name, ": op type");
    if (x.inputs.size() != y.inputs.size()) return x.name + ": input count";
    for (size_t k = 0; k < x.inputs.size(); ++k) {
      if (Name(a, x.inputs[k]) != Name(b, y.inputs[k])) {
        return absl::StrCat(x.name, ": input ", k);
      }
    }
    if (x.outputs.size() != y.outputs.size()) return x.name + ": outputs";
    for (size_t k = 0; k < x.outputs.size(); ++k) {
      if (Name(a, x.outputs[k]) != Name(b, y.outputs[k])) {
        return absl::StrCat(x.name, ": output ", k);
      }
    }
    if (!SameAttrs(x.attrs, y.attrs)) return x.name + ": attributes";
  }
  int na = 0, nb = 0;
  for (graph::ValueId v = 0; v < a.num_values(); ++v) {
    const graph::Value& x = a.value(v);
    if (x.kind == graph::ValueKind::kIntermediate) continue;
    ++na;
    absl::StatusOr<graph::ValueId> w = b.FindValue(x.name);
    if (!w.ok()) return absl::StrCat("value '", x.name, "' missing");
    const graph::Value& y = b.value(*w);
    if (x.kind != y.kind) return absl::StrCat("value '", x.name, "': kind");
    if (x.trainable != y.trainable) return x.name + ": trainable";
    if (x.type.dtype != y.type.dtype || x.type.dims != y.type.dims ||
        x.type.has_rank != y.type.has_rank) {
      return absl::StrCat("value '", x.name, "': type ", x.type.ToString(),
                          " vs ", y.type.ToString());
    }
    if (x.kind != graph::ValueKind::kInput && !SameTensor(x.data, y.data)) {
      return absl::StrCat("value '", x.name, "': data");
    }
  }
  for (graph::ValueId v = 0; v < b.num_values(); ++v) {
    if (b.value(v).kind != graph::ValueKind::kIntermediate) ++nb;
  }
  if (na != nb) return absl::StrCat("non-node value count ", na, " vs ", nb);
  if (a.inputs().size() != b.inputs().size()) return "graph input count";
  for (size_t k = 0; k < a.inputs().size(); ++k) {
    if (Name(a, a.inputs()[k]) != Name(b, b.inputs()[k])) return "inputs";
  }
  if (a.outputs().size() != b.outputs().size()) return "graph output count";
  for (size_t k = 0; k < a.outputs().size(); ++k) {
    if (Name(a, a.outputs()[k]) != Name(b, b.outputs()[k])) return "outputs";
  }
  return "";
}

std::vector<int64_t> ConstInts(const graph::Graph& g, graph::ValueId v) {
  const engine::Tensor& t = g.value(v).data;
  if (!t.defined() || t.dtype() != engine::DType::kI64) return {};
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.numel());
}

std::vector<float> ConstFloats(const graph::Graph& g, graph::ValueId v) {
  const engine::Tensor& t = g.value(v).data;
  if (!t.defined() || t.dtype() != engine::DType::kF32) return {};
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

}  // namespace quantsim::io::testing
