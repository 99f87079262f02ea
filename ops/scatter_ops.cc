// ScatterElements(data, indices, updates; axis = 0, reduction = "none")
// (ONNX 11/13/16/18; the deprecated Scatter is renamed to it on import) and
// ScatterND(data, indices, updates; reduction = "none") (ONNX 11/13/16/18).
// y = a copy of data with updates written (none) or combined (add, mul,
// max, min) at the indexed positions, in index order (repeated indices:
// the last write wins for none; add/mul accumulate). Any data dtype for
// none; numeric for the reductions. i64 or i32 indices (negative count from
// the end, out-of-range -> InvalidArgument naming the node).
//  - ScatterElements: indices and updates have one shape, data's rank.
//  - ScatterND: indices [N..., q], updates.shape = N + data.shape[q:].
// Backward (f32, reduction none or add): dUpdates = GatherElements /
// GatherND(dy, indices); dData = dy for add, and for none dy with the
// written positions zeroed (the same scatter of updates * 0 into dy).
// mul/max/min have no gradient here (InvalidArgument when one is needed).
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "kernels/cpu/logic/gather_index.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

enum class Kind { kElements, kNd };
enum class Red { kNone, kAdd, kMul, kMax, kMin };

absl::StatusOr<Red> ParseReduction(const graph::Node& node) {
  const std::string where = node.Describe();
  QS_ASSIGN_OR_RETURN(std::string r,
                      node.attrs.GetStringOr("reduction", "none", where));
  if (r == "none") return Red::kNone;
  if (r == "add") return Red::kAdd;
  if (r == "mul") return Red::kMul;
  if (r == "max") return Red::kMax;
  if (r == "min") return Red::kMin;
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": reduction '", r, "' (none | add | mul | max | min)"));
}

template <Kind kKind>
class ScatterKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<ScatterKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<ScatterKernel>();
    QS_ASSIGN_OR_RETURN(k->red_, ParseReduction(node));
    QS_ASSIGN_OR_RETURN(k->axis_,
                        node.attrs.GetIntOr("axis", 0, node.Describe()));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor data, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor upd, ctx.input(2).Contiguous());
    const engine::Tensor& indices = ctx.input(1);
    if (upd.dtype() != data.dtype()) {
      return ctx.Error("data and updates must have one dtype");
    }
    absl::StatusOr<std::vector<int64_t>> idx = IndicesToI64(indices);
    if (!idx.ok()) return ctx.Error(std::string(idx.status().message()));
    const std::vector<int64_t>& dd = data.shape().dims();
    const std::vector<int64_t>& id = indices.shape().dims();
    std::vector<int64_t> offs;
    int64_t slice = 1, bad;
    if constexpr (kKind == Kind::kElements) {
      absl::StatusOr<int> axis = NormalizeAxis(axis_, data.rank());
      if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
      if (upd.shape() != indices.shape() || id.size() != dd.size()) {
        return ctx.Error("indices " + indices.shape().ToString() +
                         " and updates " + upd.shape().ToString() +
                         " must have one shape of data's rank");
      }
      for (size_t k = 0; k < dd.size(); ++k) {
        if (static_cast<int>(k) != *axis && id[k] > dd[k]) {
          return ctx.Error("indices exceed data along dim " +
                           std::to_string(k));
        }
      }
      bad = kernels::ElementOffsets(dd, id, *axis, idx->data(), &offs);
    } else {
      if (id.empty() || id.back() > static_cast<int64_t>(dd.size())) {
        return ctx.Error("indices " + indices.shape().ToString() +
                         " do not fit data " + data.shape().ToString());
      }
      std::vector<int64_t> want(id.begin(), id.end() - 1);
      want.insert(want.end(), dd.begin() + id.back(), dd.end());
      if (upd.shape().dims() != want) {
        return ctx.Error("updates " + upd.shape().ToString() + " must be " +
                         engine::Shape(want).ToString());
      }
      bad = kernels::NdOffsets(dd, id, 0, idx->data(), &offs, &slice);
    }
    if (bad >= 0) {
      return ctx.Error(absl::StrCat("index ", (*idx)[bad], " out of range"));
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, data.shape(), data.dtype()));
    std::memcpy(y.raw_data(), data.raw_data(), data.nbytes());
    const int64_t n = static_cast<int64_t>(offs.size());
    const Red red = red_;
    if (red == Red::kNone) {
      const size_t es = engine::DTypeSize(data.dtype());
      char* dst = static_cast<char*>(y.raw_data());
      const char* src = static_cast<const char*>(upd.raw_data());
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + offs[i] * es, src + i * slice * es, slice * es);
      }
      return absl::OkStatus();
    }
    if (data.dtype() == engine::DType::kBool) {
      return ctx.Error("reductions need a numeric dtype");
    }
    kernels::VisitDType(data.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* py = y.data<T>();
      const T* pu = upd.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < slice; ++j) {
          T& t = py[offs[i] + j];
          const T u = pu[i * slice + j];
          switch (red) {
            case Red::kAdd:
              t = static_cast<T>(t + u);
              break;
            case Red::kMul:
              t = static_cast<T>(t * u);
              break;
            case Red::kMax:
              t = std::max(t, u);
              break;
            default:
              t = std::min(t, u);
          }
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  Red red_ = Red::kNone;
  int64_t axis_ = 0;
};

template <Kind kKind>
absl::Status Infer(graph::InferContext& c) {
  QS_RETURN_IF_ERROR(RequireDType(c, 1, IsIndexDType, "i64 or i32"));
  QS_RETURN_IF_ERROR(RequireSameDType(c, 0, 2));
  QS_RETURN_IF_ERROR(ParseReduction(c.node()).status());
  const graph::ValueType& data = c.input(0);
  if (kKind == Kind::kElements && data.has_rank) {
    QS_ASSIGN_OR_RETURN(int64_t axis,
                        c.attrs().GetIntOr("axis", 0, c.node().Describe()));
    absl::StatusOr<int> a =
        NormalizeAxis(axis, static_cast<int>(data.dims.size()));
    if (!a.ok()) return c.Error(std::string(a.status().message()));
  }
  c.set_output(0, data);
  return absl::OkStatus();
}

template <Kind kKind>
absl::Status Backward(graph::GradBuilder& b) {
  const bool nd = b.needs_input_grad(0), nu = b.needs_input_grad(2);
  if (!nd && !nu) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(Red red, ParseReduction(b.node()));
  if (red != Red::kNone && red != Red::kAdd) {
    return absl::InvalidArgumentError(
        b.node().Describe() +
        ": no gradient for reductions other than none and add");
  }
  const graph::ValueId dy = b.output_grad(0);
  graph::Attributes gattrs;
  if (kKind == Kind::kElements && b.node().attrs.Has("axis")) {
    gattrs.Set("axis", b.node().attrs.values().at("axis"));
  }
  if (nu) {
    QS_ASSIGN_OR_RETURN(
        graph::ValueId g,
        b.Emit1(kKind == Kind::kNd ? "GatherND" : "GatherElements",
                {dy, b.input(1)}, gattrs));
    b.SetInputGrad(2, g);
  }
  if (nd) {
    if (red == Red::kAdd) {
      b.SetInputGrad(0, dy);
    } else {
      QS_ASSIGN_OR_RETURN(graph::ValueId zero, b.Scalar(0.0f));
      QS_ASSIGN_OR_RETURN(graph::ValueId zu,
                          b.Emit1("Mul", {b.input(2), zero}));
      QS_ASSIGN_OR_RETURN(
          graph::ValueId g,
          b.Emit1(b.node().op_type, {dy, b.input(1), zu}, gattrs));
      b.SetInputGrad(0, g);
    }
  }
  return absl::OkStatus();
}

template <Kind kKind>
graph::OpDef Make() {
  graph::OpDef d;
  d.type = kKind == Kind::kNd ? "ScatterND" : "ScatterElements";
  d.min_inputs = d.max_inputs = 3;
  d.attrs = {{"reduction", graph::AttrType::kString}};
  if (kKind == Kind::kElements)
    d.attrs.push_back({"axis", graph::AttrType::kInt});
  d.infer = Infer<kKind>;
  d.make_cpu_kernel = MakeKernel<ScatterKernel<kKind>>;
  d.backward = Backward<kKind>;
  d.onnx = {d.type, "", 11};
  return d;
}

}  // namespace

graph::OpDef MakeScatterElementsOp() { return Make<Kind::kElements>(); }
graph::OpDef MakeScatterNDOp() { return Make<Kind::kNd>(); }

}  // namespace quantsim::ops
