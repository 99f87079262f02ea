// Trilu(input [, k]; upper = 1) (ONNX 14): keeps the upper (j - i >= k) or
// lower (j - i <= k) triangle of the last two dims, zeros elsewhere; k is
// an optional one-element int64 input (default 0). Any dtype.
// Backward: Trilu(dy, k) with the same attributes (the mask is its own
// adjoint).
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

class TriluKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<TriluKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<TriluKernel>();
    QS_ASSIGN_OR_RETURN(int64_t u,
                        node.attrs.GetIntOr("upper", 1, node.Describe()));
    k->upper_ = u != 0;
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    if (x.rank() < 2) return ctx.Error("input must have rank >= 2");
    int64_t k = 0;
    if (ctx.has_input(1)) {
      QS_ASSIGN_OR_RETURN(std::vector<int64_t> kv, TensorToInts(ctx.input(1)));
      if (kv.size() != 1) return ctx.Error("k must hold one value");
      k = kv[0];
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, x.shape(), x.dtype()));
    const int64_t rows = x.dim(x.rank() - 2), cols = x.dim(x.rank() - 1);
    const int64_t mats = x.shape().Product(0, x.rank() - 2);
    const size_t es = engine::DTypeSize(x.dtype());
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(y.raw_data());
    std::memset(dst, 0, x.nbytes());
    for (int64_t m = 0; m < mats; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        // Kept columns: [max(0, i + k), cols) upper; [0, min(cols, i + k + 1))
        // lower.
        int64_t b = upper_ ? i + k : 0;
        int64_t e = upper_ ? cols : i + k + 1;
        b = std::max<int64_t>(0, std::min(b, cols));
        e = std::max<int64_t>(0, std::min(e, cols));
        if (e <= b) continue;
        const int64_t row = (m * rows + i) * cols;
        std::memcpy(dst + (row + b) * es, src + (row + b) * es, (e - b) * es);
      }
    }
    return absl::OkStatus();
  }

 private:
  bool upper_ = true;
};

absl::Status Infer(graph::InferContext& c) {
  const graph::ValueType& x = c.input(0);
  if (x.has_rank && x.dims.size() < 2) {
    return c.Error("input must have rank >= 2, is " + x.ToString());
  }
  if (c.has_input(1)) {
    QS_RETURN_IF_ERROR(RequireDType(c, 1, IsIndexDType, "i64"));
  }
  c.set_output(0, x);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  std::vector<graph::ValueId> in = {b.output_grad(0)};
  if (b.node().inputs.size() > 1) in.push_back(b.node().inputs[1]);
  QS_ASSIGN_OR_RETURN(graph::ValueId g,
                      b.Emit1("Trilu", std::move(in), b.node().attrs));
  b.SetInputGrad(0, g);
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeTriluOp() {
  graph::OpDef d;
  d.type = "Trilu";
  d.min_inputs = 1;
  d.max_inputs = 2;
  d.attrs = {{"upper", graph::AttrType::kInt}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<TriluKernel>;
  d.backward = Backward;
  d.onnx = {"Trilu", "", 14};
  return d;
}

}  // namespace quantsim::ops
