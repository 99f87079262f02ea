#include "ops/op_util.h"

#include <algorithm>

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
    return c.Error(
        absl::StrCat("input ", i, " must be f32, is ", c.input(i).ToString()));
  }
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

}  // namespace quantsim::ops
