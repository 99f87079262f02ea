#include "ops/op_util.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"

namespace quantsim::ops {

absl::StatusOr<std::vector<int64_t>> BroadcastDims(
    const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da < 0 || db < 0) {
      out[i] = std::max(da, db);  // the known one (the other must match)
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("shapes [", absl::StrJoin(a, ", "), "] and [",
                       absl::StrJoin(b, ", "), "] do not broadcast"));
    }
  }
  return out;
}

absl::StatusOr<engine::Shape> BroadcastShapes(const engine::Shape& a,
                                              const engine::Shape& b) {
  absl::StatusOr<std::vector<int64_t>> d = BroadcastDims(a.dims(), b.dims());
  if (!d.ok()) return d.status();
  return engine::Shape(std::move(*d));
}

absl::Status RequireF32(const graph::InferContext& c, int i) {
  if (c.input(i).dtype != engine::DType::kF32) {
    // No kernel for this dtype (DESIGN.md: Unimplemented, not a bad input).
    return absl::UnimplementedError(
        absl::StrCat(c.node().Describe(), ": input ", i, " is ",
                     c.input(i).ToString(), "; only f32 is implemented"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes,
                                               int rank) {
  std::vector<int> out;
  std::vector<bool> seen(rank, false);
  for (int64_t a : axes) {
    absl::StatusOr<int> n = NormalizeAxis(a, rank);
    if (!n.ok()) return n.status();
    if (seen[*n]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "axis ", a, " repeated in [", absl::StrJoin(axes, ", "), "]"));
    }
    seen[*n] = true;
    out.push_back(*n);
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> TensorToInts(const engine::Tensor& t) {
  if (t.rank() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a 1-D integer tensor, got rank ", t.rank()));
  }
  absl::StatusOr<engine::Tensor> c = t.Contiguous();
  if (!c.ok()) return c.status();
  std::vector<int64_t> v(c->numel());
  if (t.dtype() == engine::DType::kI64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = c->data<int64_t>()[i];
  } else if (t.dtype() == engine::DType::kI32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = c->data<int32_t>()[i];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected an i64 or i32 tensor, got ", engine::DTypeName(t.dtype())));
  }
  return v;
}

absl::StatusOr<IntsArg> InferIntsArg(const graph::InferContext& c, int input,
                                     const std::string& attr) {
  IntsArg a;
  if (c.has_input(input)) {
    a.present = true;
    const engine::DType dt = c.input(input).dtype;
    if (dt != engine::DType::kI64 && dt != engine::DType::kI32) {
      return c.Error(absl::StrCat("input ", input, " must be i64 or i32, is ",
                                  c.input(input).ToString()));
    }
    if (const engine::Tensor* t = c.constant_input(input)) {
      absl::StatusOr<std::vector<int64_t>> v = TensorToInts(*t);
      if (!v.ok()) return c.Error(std::string(v.status().message()));
      a.values = std::move(*v);
    }
  } else if (!attr.empty() && c.attrs().Has(attr)) {
    a.present = true;
    absl::StatusOr<std::vector<int64_t>> v =
        c.attrs().GetInts(attr, c.node().Describe());
    if (!v.ok()) return v.status();
    a.values = std::move(*v);
  }
  return a;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> RunIntsArg(
    const graph::KernelContext& ctx, int input,
    const std::optional<std::vector<int64_t>>& attr) {
  if (ctx.has_input(input)) {
    absl::StatusOr<std::vector<int64_t>> v = TensorToInts(ctx.input(input));
    if (!v.ok()) return ctx.Error(std::string(v.status().message()));
    return std::optional<std::vector<int64_t>>(std::move(*v));
  }
  return attr;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> OptionalIntsAttr(
    const graph::Node& node, const std::string& attr) {
  if (!node.attrs.Has(attr)) return std::optional<std::vector<int64_t>>();
  absl::StatusOr<std::vector<int64_t>> v =
      node.attrs.GetInts(attr, node.Describe());
  if (!v.ok()) return v.status();
  return std::optional<std::vector<int64_t>>(std::move(*v));
}

int64_t KnownProduct(const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    p *= d;
  }
  return p;
}

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * dims[i + 1];
  }
  return s;
}

namespace {

template <typename T>
void CopyRow(const char* src, int64_t ss, char* dst, int64_t ds, int64_t n) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
}

void CopyRowAny(const char* src, int64_t ss, char* dst, int64_t ds, int64_t n,
                size_t es) {
  if (ss == 1 && ds == 1) {
    std::memcpy(dst, src, n * es);
    return;
  }
  switch (es) {
    case 1:
      return CopyRow<uint8_t>(src, ss, dst, ds, n);
    case 2:
      return CopyRow<uint16_t>(src, ss, dst, ds, n);
    case 4:
      return CopyRow<uint32_t>(src, ss, dst, ds, n);
    case 8:
      return CopyRow<uint64_t>(src, ss, dst, ds, n);
    default:
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + i * ds * es, src + i * ss * es, es);
      }
  }
}

}  // namespace

void StridedCopy(const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const std::vector<int64_t>& dst_strides,
                 const std::vector<int64_t>& dims, size_t elem_size,
                 engine::ThreadPool* pool) {
  // Coalesce: drop size-1 dims, merge dims that are contiguous in both.
  std::vector<int64_t> d, ss, ds;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 0) return;
    if (dims[k] == 1) continue;
    if (!d.empty() && ss.back() == src_strides[k] * dims[k] &&
        ds.back() == dst_strides[k] * dims[k]) {
      d.back() *= dims[k];
      ss.back() = src_strides[k];
      ds.back() = dst_strides[k];
    } else {
      d.push_back(dims[k]);
      ss.push_back(src_strides[k]);
      ds.push_back(dst_strides[k]);
    }
  }
  const char* s = static_cast<const char*>(src);
  char* t = static_cast<char*>(dst);
  if (d.empty()) {
    std::memcpy(t, s, elem_size);
    return;
  }
  const int r = static_cast<int>(d.size());
  const int64_t n = d[r - 1];
  int64_t rows = 1;
  for (int k = 0; k < r - 1; ++k) rows *= d[k];
  const int64_t row_bytes = n * static_cast<int64_t>(elem_size);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / row_bytes);
  const size_t es = elem_size;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      int64_t so = 0, dof = 0, rem = row;
      for (int k = r - 2; k >= 0; --k) {
        const int64_t i = rem % d[k];
        rem /= d[k];
        so += i * ss[k];
        dof += i * ds[k];
      }
      CopyRowAny(s + so * static_cast<int64_t>(es), ss[r - 1],
                 t + dof * static_cast<int64_t>(es), ds[r - 1], n, es);
    }
  };
  if (pool == nullptr || rows <= grain) {
    body(0, rows);
  } else {
    engine::ParallelFor(pool, rows, grain, body);
  }
}

absl::StatusOr<graph::ValueId> EmitReshapeBack(graph::GradBuilder& b,
                                               graph::ValueId g, int input) {
  const graph::ValueType& t = b.input_type(input);
  if (t.IsStatic()) {
    return b.Emit1("Reshape", {g},
                   {{"shape", t.dims}, {"allowzero", int64_t{1}}});
  }
  return b.Emit1("ReshapeLike", {g, b.input(input)});
}

absl::StatusOr<engine::DType> DTypeFromOnnx(int64_t onnx_type) {
  using engine::DType;
  switch (onnx_type) {
    case 1:
      return DType::kF32;
    case 2:
      return DType::kU8;
    case 3:
      return DType::kI8;
    case 4:
      return DType::kU16;
    case 5:
      return DType::kI16;
    case 6:
      return DType::kI32;
    case 7:
      return DType::kI64;
    case 9:
      return DType::kBool;
    case 10:
      return DType::kF16;
    case 11:
      return DType::kF64;
    case 12:
      return DType::kU32;
    case 16:
      return DType::kBF16;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported ONNX data type ", onnx_type));
  }
}

int64_t OnnxDTypeOf(engine::DType dtype) {
  using engine::DType;
  switch (dtype) {
    case DType::kF32:
      return 1;
    case DType::kU8:
      return 2;
    case DType::kI8:
      return 3;
    case DType::kU16:
      return 4;
    case DType::kI16:
      return 5;
    case DType::kI32:
      return 6;
    case DType::kI64:
      return 7;
    case DType::kBool:
      return 9;
    case DType::kF16:
      return 10;
    case DType::kF64:
      return 11;
    case DType::kU32:
      return 12;
    case DType::kBF16:
      return 16;
  }
  return 0;
}

absl::Status SetReshapedOutput(graph::KernelContext& ctx, int out,
                               const engine::Tensor& x,
                               std::vector<int64_t> dims) {
  absl::StatusOr<engine::Tensor> c = x.Contiguous();
  if (!c.ok()) return c.status();
  absl::StatusOr<engine::Tensor> v = c->Reshape(std::move(dims));
  if (!v.ok()) return ctx.Error(std::string(v.status().message()));
  ctx.SetOutput(out, std::move(*v));
  return absl::OkStatus();
}

absl::StatusOr<WindowAttrs> ParseWindowAttrs(const graph::Node& node) {
  const std::string where = node.Describe();
  WindowAttrs w;
  QS_ASSIGN_OR_RETURN(w.kernel,
                      node.attrs.GetIntsOr("kernel_shape", {}, where));
  const size_t k = w.kernel.size();
  QS_ASSIGN_OR_RETURN(
      w.strides,
      node.attrs.GetIntsOr("strides", std::vector<int64_t>(k, 1), where));
  QS_ASSIGN_OR_RETURN(
      w.dilations,
      node.attrs.GetIntsOr("dilations", std::vector<int64_t>(k, 1), where));
  QS_ASSIGN_OR_RETURN(
      w.pads,
      node.attrs.GetIntsOr("pads", std::vector<int64_t>(2 * k, 0), where));
  QS_ASSIGN_OR_RETURN(w.auto_pad,
                      node.attrs.GetStringOr("auto_pad", "NOTSET", where));
  QS_ASSIGN_OR_RETURN(int64_t ceil_mode,
                      node.attrs.GetIntOr("ceil_mode", 0, where));
  w.ceil_mode = ceil_mode != 0;
  auto bad = [&](const std::string& m) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", m));
  };
  if (w.strides.size() != k || w.dilations.size() != k ||
      w.pads.size() != 2 * k) {
    return bad(absl::StrCat("kernel_shape has ", k,
                            " dims: strides and dilations need ", k,
                            " values, pads ", 2 * k));
  }
  for (size_t i = 0; i < k; ++i) {
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1) {
      return bad("kernel_shape, strides and dilations must be >= 1");
    }
  }
  for (int64_t p : w.pads) {
    if (p < 0) return bad("pads must be >= 0");
  }
  if (w.auto_pad != "NOTSET" && w.auto_pad != "SAME_UPPER" &&
      w.auto_pad != "SAME_LOWER" && w.auto_pad != "VALID") {
    return bad(absl::StrCat("auto_pad '", w.auto_pad,
                            "' (NOTSET | SAME_UPPER | SAME_LOWER | VALID)"));
  }
  return w;
}

void ResolveWindowPads(const WindowAttrs& w, const std::vector<int64_t>& in,
                       std::vector<int64_t>* pad_begin,
                       std::vector<int64_t>* pad_end) {
  const int k = w.rank();
  pad_begin->assign(k, 0);
  pad_end->assign(k, 0);
  for (int i = 0; i < k; ++i) {
    if (w.auto_pad == "NOTSET") {
      (*pad_begin)[i] = w.pads[i];
      (*pad_end)[i] = w.pads[k + i];
    } else if (w.auto_pad != "VALID" && in[i] >= 0) {
      const int64_t out = (in[i] + w.strides[i] - 1) / w.strides[i];
      const int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t total =
          std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - in[i]);
      const int64_t small = total / 2;
      (*pad_begin)[i] = w.auto_pad == "SAME_UPPER" ? small : total - small;
      (*pad_end)[i] = total - (*pad_begin)[i];
    }
  }
}

std::vector<int64_t> WindowOutputDims(const WindowAttrs& w,
                                      const std::vector<int64_t>& in) {
  std::vector<int64_t> pb, pe;
  ResolveWindowPads(w, in, &pb, &pe);
  std::vector<int64_t> out(w.rank(), -1);
  for (int i = 0; i < w.rank(); ++i) {
    if (in[i] < 0) continue;
    const int64_t s = w.strides[i];
    const int64_t span =
        in[i] + pb[i] + pe[i] - ((w.kernel[i] - 1) * w.dilations[i] + 1);
    if (span < 0) {
      out[i] = 0;
      continue;
    }
    int64_t o = (w.ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (w.ceil_mode && (o - 1) * s >= in[i] + pb[i]) --o;
    out[i] = o;
  }
  return out;
}

absl::StatusOr<graph::ValueType> WindowOutputType(const graph::InferContext& c,
                                                  const WindowAttrs& w,
                                                  int64_t channels) {
  const graph::ValueType& x = c.input(0);
  if (!x.has_rank) return graph::ValueType{x.dtype, {}, false};
  const int k = w.rank();
  if (static_cast<int>(x.dims.size()) != k + 2) {
    return c.Error(absl::StrCat("input ", x.ToString(), " must have rank ",
                                k + 2, " for a ", k, "-d kernel_shape"));
  }
  std::vector<int64_t> in(x.dims.begin() + 2, x.dims.end());
  std::vector<int64_t> out = WindowOutputDims(w, in);
  std::vector<int64_t> dims = {x.dims[0], channels < 0 ? x.dims[1] : channels};
  for (int i = 0; i < k; ++i) {
    if (in[i] >= 0 && out[i] < 1) {
      return c.Error(absl::StrCat("window larger than the padded input ",
                                  x.ToString(), " (spatial dim ", i, ")"));
    }
    dims.push_back(out[i]);
  }
  return TypeWithDims(x.dtype, std::move(dims));
}

absl::StatusOr<kernels::Dims> ToKernelDims(const engine::Shape& shape) {
  if (shape.rank() > kernels::kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", shape.rank(), " of ", shape.ToString(),
                     " exceeds the kernels' maximum ", kernels::kMaxRank));
  }
  kernels::Dims d;
  d.rank = shape.rank();
  for (int i = 0; i < d.rank; ++i) d.d[i] = shape.dim(i);
  return d;
}

absl::StatusOr<float> ScalarValue(const engine::Tensor& t,
                                  const std::string& what) {
  if (t.dtype() != engine::DType::kF32 || t.numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a single f32 value, is ",
                     engine::DTypeName(t.dtype()), t.shape().ToString()));
  }
  return *t.data<float>();
}

absl::Status InferBroadcast(graph::InferContext& c) {
  std::vector<int64_t> dims;
  bool has_rank = true;
  for (int i = 0; i < c.num_inputs(); ++i) {
    if (!c.has_input(i)) continue;
    QS_RETURN_IF_ERROR(RequireF32(c, i));
    const graph::ValueType& t = c.input(i);
    if (!t.has_rank) {
      has_rank = false;
      continue;
    }
    absl::StatusOr<std::vector<int64_t>> d = BroadcastDims(dims, t.dims);
    if (!d.ok()) return c.Error(std::string(d.status().message()));
    dims = std::move(*d);
  }
  graph::ValueType out;
  out.dtype = engine::DType::kF32;
  out.has_rank = has_rank;
  if (has_rank) out.dims = std::move(dims);
  c.set_output(0, std::move(out));
  return absl::OkStatus();
}

absl::StatusOr<kernels::LossReduction> ParseLossReduction(
    const graph::Attributes& attrs, const std::string& where) {
  QS_ASSIGN_OR_RETURN(std::string r,
                      attrs.GetStringOr("reduction", "mean", where));
  if (r == "none") return kernels::LossReduction::kNone;
  if (r == "sum") return kernels::LossReduction::kSum;
  if (r == "mean") return kernels::LossReduction::kMean;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": reduction '", r, "' (none | sum | mean)"));
}

}  // namespace quantsim::ops
