#include "ops/nn_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "ops/op_util.h"

namespace quantsim::ops {
namespace {

std::string DimsStr(const std::vector<int64_t>& d) {
  return absl::StrCat("[", absl::StrJoin(d, ", "), "]");
}

absl::Status Bad(const std::string& m) { return absl::InvalidArgumentError(m); }

// Fills `v` with `n` copies of `dflt` when empty, else checks its length and
// lower bound.
absl::Status FixList(std::vector<int64_t>& v, size_t n, int64_t dflt,
                     int64_t min, const char* name) {
  if (v.empty()) {
    v.assign(n, dflt);
    return absl::OkStatus();
  }
  if (v.size() != n) {
    return Bad(absl::StrCat(name, " has ", v.size(), " values, needs ", n));
  }
  for (int64_t e : v) {
    if (e < min) return Bad(absl::StrCat(name, " ", DimsStr(v), " < ", min));
  }
  return absl::OkStatus();
}

// Conv: pads of one axis under auto_pad (SAME: output = ceil(in / stride)).
void ConvPads(const ConvAttrs& a, int r, int d, int64_t in, int64_t extent,
              int64_t* pb, int64_t* pe) {
  const int64_t s = a.strides[d];
  switch (a.auto_pad) {
    case AutoPad::kNotSet:
      *pb = a.pads[d];
      *pe = a.pads[d + r];
      return;
    case AutoPad::kValid:
      *pb = *pe = 0;
      return;
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower: {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
      const int64_t small = total / 2;
      *pb = a.auto_pad == AutoPad::kSameUpper ? small : total - small;
      *pe = total - *pb;
      return;
    }
  }
}

}  // namespace

std::vector<graph::AttrSpec> ConvAttrSpecs(bool transpose) {
  using graph::AttrType;
  std::vector<graph::AttrSpec> s = {
      {"auto_pad", AttrType::kString}, {"dilations", AttrType::kInts},
      {"group", AttrType::kInt},       {"kernel_shape", AttrType::kInts},
      {"pads", AttrType::kInts},       {"strides", AttrType::kInts}};
  if (transpose) {
    s.push_back({"output_padding", AttrType::kInts});
    s.push_back({"output_shape", AttrType::kInts});
  }
  return s;
}

absl::StatusOr<ConvAttrs> ParseConvAttrs(const graph::Attributes& attrs,
                                         const std::string& where,
                                         bool transpose) {
  ConvAttrs a;
  a.transpose = transpose;
  QS_ASSIGN_OR_RETURN(std::string pad,
                      attrs.GetStringOr("auto_pad", "NOTSET", where));
  if (pad == "NOTSET") {
    a.auto_pad = AutoPad::kNotSet;
  } else if (pad == "SAME_UPPER") {
    a.auto_pad = AutoPad::kSameUpper;
  } else if (pad == "SAME_LOWER") {
    a.auto_pad = AutoPad::kSameLower;
  } else if (pad == "VALID") {
    a.auto_pad = AutoPad::kValid;
  } else {
    return Bad(absl::StrCat(where, ": auto_pad '", pad,
                            "' (NOTSET | SAME_UPPER | SAME_LOWER | VALID)"));
  }
  QS_ASSIGN_OR_RETURN(a.group, attrs.GetIntOr("group", 1, where));
  QS_ASSIGN_OR_RETURN(a.kernel_shape,
                      attrs.GetIntsOr("kernel_shape", {}, where));
  QS_ASSIGN_OR_RETURN(a.strides, attrs.GetIntsOr("strides", {}, where));
  QS_ASSIGN_OR_RETURN(a.dilations, attrs.GetIntsOr("dilations", {}, where));
  QS_ASSIGN_OR_RETURN(a.pads, attrs.GetIntsOr("pads", {}, where));
  if (transpose) {
    QS_ASSIGN_OR_RETURN(a.output_padding,
                        attrs.GetIntsOr("output_padding", {}, where));
    QS_ASSIGN_OR_RETURN(a.output_shape,
                        attrs.GetIntsOr("output_shape", {}, where));
  }
  if (a.group < 1) return Bad(absl::StrCat(where, ": group ", a.group, " < 1"));
  return a;
}

absl::StatusOr<ConvGeometry> ComputeConvGeometry(
    const ConvAttrs& attrs, const std::vector<int64_t>& x,
    const std::vector<int64_t>& w) {
  if (x.size() < 3 || x.size() > 5) {
    return Bad(absl::StrCat("input ", DimsStr(x),
                            " must be rank 3..5 (N, C, 1 to 3 spatial dims)"));
  }
  if (w.size() != x.size()) {
    return Bad(absl::StrCat("weight ", DimsStr(w), " and input ", DimsStr(x),
                            " differ in rank"));
  }
  const int r = static_cast<int>(x.size()) - 2;
  ConvAttrs a = attrs;
  QS_RETURN_IF_ERROR(FixList(a.strides, r, 1, 1, "strides"));
  QS_RETURN_IF_ERROR(FixList(a.dilations, r, 1, 1, "dilations"));
  QS_RETURN_IF_ERROR(FixList(a.pads, 2 * r, 0, 0, "pads"));
  QS_RETURN_IF_ERROR(FixList(a.output_padding, r, 0, 0, "output_padding"));
  std::vector<int64_t> k(w.begin() + 2, w.end());
  if (!a.kernel_shape.empty()) {
    QS_RETURN_IF_ERROR(FixList(a.kernel_shape, r, 1, 1, "kernel_shape"));
    for (int d = 0; d < r; ++d) {
      if (k[d] >= 0 && k[d] != a.kernel_shape[d]) {
        return Bad(absl::StrCat("kernel_shape ", DimsStr(a.kernel_shape),
                                " does not match weight ", DimsStr(w)));
      }
      k[d] = a.kernel_shape[d];
    }
  }
  std::vector<int64_t> os = a.output_shape;
  if (!os.empty()) {
    if (os.size() == static_cast<size_t>(r) + 2)
      os.erase(os.begin(), os.begin() + 2);
    QS_RETURN_IF_ERROR(FixList(os, r, 1, 1, "output_shape"));
  }
  const int64_t g = a.group;
  const int64_t c = x[1];
  int64_t m = -1;  // output channels
  if (!a.transpose) {
    if (c >= 0 && w[1] >= 0 && c != w[1] * g) {
      return Bad(absl::StrCat("input ", DimsStr(x), " has ", c,
                              " channels, weight ", DimsStr(w), " with group ",
                              g, " expects ", w[1] * g));
    }
    m = w[0];
  } else {
    if (c >= 0 && w[0] >= 0 && c != w[0]) {
      return Bad(absl::StrCat("input ", DimsStr(x), " has ", c,
                              " channels, transposed weight ", DimsStr(w),
                              " expects ", w[0]));
    }
    m = w[1] < 0 ? -1 : w[1] * g;
  }
  if (c >= 0 && c % g != 0) {
    return Bad(absl::StrCat(c, " input channels not divisible by group ", g));
  }
  if (m >= 0 && m % g != 0) {
    return Bad(absl::StrCat(m, " output channels not divisible by group ", g));
  }

  ConvGeometry geo;
  geo.y_dims = {x[0], m};
  kernels::ConvShape& s = geo.shape;
  s.rank = r;
  bool known = x[0] >= 0 && c >= 0 && m >= 0;
  for (int d = 0; d < r; ++d) {
    const int64_t in = x[2 + d];
    const int64_t st = a.strides[d], dil = a.dilations[d];
    int64_t out = -1, pb = 0, pe = 0;
    if (in >= 0 && k[d] >= 0) {
      const int64_t extent = (k[d] - 1) * dil + 1;
      if (!a.transpose) {
        ConvPads(a, r, d, in, extent, &pb, &pe);
        if (in + pb + pe < extent) {
          return Bad(absl::StrCat("kernel extent ", extent, " (kernel ", k[d],
                                  ", dilation ", dil,
                                  ") is larger than the padded input ",
                                  in + pb + pe, " along spatial axis ", d));
        }
        out = (in + pb + pe - extent) / st + 1;
      } else {
        const int64_t op = a.output_padding[d];
        if (op >= st) {
          return Bad(absl::StrCat("output_padding ", op,
                                  " must be smaller than stride ", st));
        }
        const int64_t full = st * (in - 1) + op + extent;
        if (!os.empty() || a.auto_pad == AutoPad::kSameUpper ||
            a.auto_pad == AutoPad::kSameLower) {
          out = os.empty() ? in * st : os[d];
          const int64_t total = full - out;
          if (total < 0) {
            return Bad(absl::StrCat("output size ", out,
                                    " exceeds the transposed extent ", full,
                                    " along spatial axis ", d));
          }
          pb =
              a.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
          pe = total - pb;
        } else {
          if (a.auto_pad == AutoPad::kNotSet) {
            pb = a.pads[d];
            pe = a.pads[d + r];
          }
          out = full - pb - pe;
          if (out < 1) {
            return Bad(absl::StrCat("pads ", pb, " + ", pe,
                                    " leave no output along spatial axis ", d));
          }
        }
      }
    } else if (a.transpose && !os.empty()) {
      out = os[d];
    }
    geo.y_dims.push_back(out);
    known = known && in >= 0 && k[d] >= 0;
    s.in_size[d] = a.transpose ? out : in;
    s.kernel[d] = k[d];
    s.stride[d] = st;
    s.dilation[d] = dil;
    s.pad_begin[d] = pb;
    s.pad_end[d] = pe;
  }
  if (!known) return geo;
  s.batch = x[0];
  s.groups = g;
  s.in_channels = a.transpose ? m : c;
  s.out_channels = a.transpose ? c : m;
  absl::Status check = kernels::CheckConvShape(s);
  if (!check.ok()) return check;
  for (int d = 0; d < r; ++d) {
    if (a.transpose && s.OutSize(d) != x[2 + d]) {
      return absl::InternalError("ConvTranspose geometry does not invert");
    }
  }
  geo.resolved = true;
  return geo;
}

absl::StatusOr<kernels::ConvShape> RunConvShape(const graph::KernelContext& ctx,
                                                const ConvAttrs& a,
                                                const engine::Shape& x,
                                                const engine::Shape& w) {
  absl::StatusOr<ConvGeometry> geo = ComputeConvGeometry(a, x.dims(), w.dims());
  if (!geo.ok()) return ctx.Error(std::string(geo.status().message()));
  if (!geo->resolved) return ctx.Error("unresolved conv geometry");
  return geo->shape;
}

absl::Status RequireRank(const graph::InferContext& c, int i, int rank) {
  QS_RETURN_IF_ERROR(RequireF32(c, i));
  const graph::ValueType& t = c.input(i);
  if (!t.has_rank) return c.Error(absl::StrCat("input ", i, " has no rank"));
  if (rank >= 0 && static_cast<int>(t.dims.size()) != rank) {
    return c.Error(
        absl::StrCat("input ", i, " ", t.ToString(), " must be rank ", rank));
  }
  return absl::OkStatus();
}

absl::StatusOr<MatMulGeometry> ComputeMatMulGeometry(
    const std::vector<int64_t>& a, const std::vector<int64_t>& b,
    bool run_time) {
  if (a.empty() || b.empty()) {
    return Bad(absl::StrCat("MatMul inputs ", DimsStr(a), " and ", DimsStr(b),
                            " must be at least rank 1"));
  }
  std::vector<int64_t> ap = a, bp = b;
  if (a.size() == 1) ap.insert(ap.begin(), 1);
  if (b.size() == 1) bp.push_back(1);
  MatMulGeometry g;
  g.m = ap[ap.size() - 2];
  g.k = ap.back();
  g.n = bp.back();
  const int64_t kb = bp[bp.size() - 2];
  if (g.k >= 0 && kb >= 0 && g.k != kb) {
    return Bad(absl::StrCat("inner dimensions differ: A ", DimsStr(a), ", B ",
                            DimsStr(b)));
  }
  if (g.k < 0) g.k = kb;
  const std::vector<int64_t> ab(ap.begin(), ap.end() - 2);
  const std::vector<int64_t> bb(bp.begin(), bp.end() - 2);
  absl::StatusOr<std::vector<int64_t>> batch = BroadcastDims(ab, bb);
  if (!batch.ok()) {
    return Bad(absl::StrCat("batch dims of A ", DimsStr(a), " and B ",
                            DimsStr(b), " do not broadcast"));
  }
  g.batch = *batch;
  g.y_dims = g.batch;
  if (a.size() > 1) g.y_dims.push_back(g.m);
  if (b.size() > 1) g.y_dims.push_back(g.n);
  if (!run_time) return g;

  // Offsets per output batch (right-aligned broadcasting).
  const int rb = static_cast<int>(g.batch.size());
  int64_t total = 1;
  for (int64_t d : g.batch) total *= d;
  for (int64_t d : ab) g.a_batches *= d;
  for (int64_t d : bb) g.b_batches *= d;
  g.a_offset.resize(total);
  g.b_offset.resize(total);
  std::vector<int64_t> idx(rb, 0);
  for (int64_t t = 0; t < total; ++t) {
    int64_t ai = 0, bi = 0;
    for (int i = 0; i < rb; ++i) {
      const int oa = i - (rb - static_cast<int>(ab.size()));
      const int ob = i - (rb - static_cast<int>(bb.size()));
      if (oa >= 0) ai = ai * ab[oa] + (ab[oa] == 1 ? 0 : idx[i]);
      if (ob >= 0) bi = bi * bb[ob] + (bb[ob] == 1 ? 0 : idx[i]);
    }
    g.a_offset[t] = ai * g.m * g.k;
    g.b_offset[t] = bi * g.k * g.n;
    for (int i = rb - 1; i >= 0; --i) {
      if (++idx[i] < g.batch[i]) break;
      idx[i] = 0;
    }
  }
  return g;
}

}  // namespace quantsim::ops
