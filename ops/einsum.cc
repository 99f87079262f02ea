// Einsum(inputs...; equation) (ONNX 12): numpy einsum semantics: letters
// label dims, a repeated letter within an operand takes the diagonal, "..."
// stands for broadcast (numpy rules) leading dims, "->" names the output
// (implicit form: the ellipsis dims, then the letters used once, in
// increasing ASCII order); labels not in the output are summed. Spaces are
// ignored. All inputs of one numeric dtype; floats accumulate in double,
// integers in their own type. One reference loop over the output elements
// (split over the pool) times the summed index space.
// Backward (f32, equations without "..."): for input i with distinct
// labels that all occur in the output or another input, dX_i =
// Einsum("<out>,<other inputs>-><labels of i>", dy, others...); other
// cases report InvalidArgument when a gradient is needed.
#include <algorithm>
#include <map>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

constexpr int kEllipsisBase = 256;  // label ids of ellipsis dims

struct Term {
  std::vector<int> labels;  // letters as their char code
  int ellipsis_at = -1;     // position of "..." in labels (-1: none)
};

struct Equation {
  std::vector<Term> inputs;
  Term output;
  bool explicit_output = false;
  bool has_ellipsis = false;
};

absl::StatusOr<Term> ParseTerm(const std::string& s) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '.') {
      if (s.compare(i, 3, "...") != 0 || t.ellipsis_at >= 0) {
        return absl::InvalidArgumentError("bad ellipsis in '" + s + "'");
      }
      t.ellipsis_at = static_cast<int>(t.labels.size());
      i += 2;
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      t.labels.push_back(ch);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad character '", std::string(1, ch), "' in '", s, "'"));
    }
  }
  return t;
}

absl::StatusOr<Equation> ParseEquation(std::string eq) {
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  Equation e;
  std::string lhs = eq, rhs;
  const size_t arrow = eq.find("->");
  if (arrow != std::string::npos) {
    lhs = eq.substr(0, arrow);
    rhs = eq.substr(arrow + 2);
    e.explicit_output = true;
  }
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    QS_ASSIGN_OR_RETURN(Term t, ParseTerm(lhs.substr(start, comma - start)));
    e.has_ellipsis |= t.ellipsis_at >= 0;
    e.inputs.push_back(std::move(t));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (e.explicit_output) {
    QS_ASSIGN_OR_RETURN(e.output, ParseTerm(rhs));
  } else {
    std::map<int, int> count;
    for (const Term& t : e.inputs) {
      for (int l : t.labels) ++count[l];
    }
    if (e.has_ellipsis) e.output.ellipsis_at = 0;
    for (const auto& [l, n] : count) {
      if (n == 1) e.output.labels.push_back(l);
    }
  }
  return e;
}

// Label ids of a term's dims for an operand of rank `rank` (ellipsis dims
// right-aligned onto ids kEllipsisBase + (ell - e) .. kEllipsisBase + ell).
absl::StatusOr<std::vector<int>> DimLabels(const Term& t, int rank, int ell) {
  const int named = static_cast<int>(t.labels.size());
  const int e = t.ellipsis_at >= 0 ? rank - named : 0;
  if (e < 0 || (t.ellipsis_at < 0 && rank != named) || e > ell) {
    return absl::InvalidArgumentError(absl::StrCat(
        "operand of rank ", rank, " does not match its ", named, " labels"));
  }
  std::vector<int> ids;
  for (int i = 0; i <= named; ++i) {
    if (i == t.ellipsis_at) {
      for (int k = 0; k < e; ++k) ids.push_back(kEllipsisBase + ell - e + k);
    }
    if (i < named) ids.push_back(t.labels[i]);
  }
  return ids;
}

struct Plan {
  std::vector<int64_t> out_dims;
  std::vector<int64_t> sum_dims;
  // per input: stride along each output label / each summed label
  std::vector<std::vector<int64_t>> out_strides, sum_strides;
};

absl::StatusOr<Plan> MakePlan(const Equation& e,
                              const std::vector<std::vector<int64_t>>& shapes) {
  if (shapes.size() != e.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "equation has ", e.inputs.size(), " operands, node ", shapes.size()));
  }
  int ell = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (e.inputs[i].ellipsis_at >= 0) {
      ell = std::max(ell, static_cast<int>(shapes[i].size()) -
                              static_cast<int>(e.inputs[i].labels.size()));
    }
  }
  std::map<int, int64_t> size;
  std::vector<std::vector<int>> ids(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    QS_ASSIGN_OR_RETURN(
        ids[i],
        DimLabels(e.inputs[i], static_cast<int>(shapes[i].size()), ell));
    for (size_t d = 0; d < ids[i].size(); ++d) {
      const int64_t n = shapes[i][d];
      auto [it, fresh] = size.emplace(ids[i][d], n);
      if (!fresh && it->second != n) {
        const bool ellipsis = ids[i][d] >= kEllipsisBase;
        if (ellipsis && (n == 1 || it->second == 1)) {
          it->second = std::max(n, it->second);
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat("label sizes ", it->second, " and ", n, " differ"));
        }
      }
    }
  }
  QS_ASSIGN_OR_RETURN(std::vector<int> out_ids,
                      DimLabels(e.output,
                                static_cast<int>(e.output.labels.size()) +
                                    (e.output.ellipsis_at >= 0 ? ell : 0),
                                ell));
  std::vector<int> sum_ids;
  for (const auto& [l, n] : size) {
    if (std::find(out_ids.begin(), out_ids.end(), l) == out_ids.end()) {
      sum_ids.push_back(l);
    }
  }
  Plan p;
  for (int l : out_ids) {
    auto it = size.find(l);
    if (it == size.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("output label '", std::string(1, static_cast<char>(l)),
                       "' is not in any input"));
    }
    p.out_dims.push_back(it->second);
  }
  for (int l : sum_ids) p.sum_dims.push_back(size[l]);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::vector<int64_t> st = ContiguousStrides(shapes[i]);
    auto strides_for = [&](const std::vector<int>& labels) {
      std::vector<int64_t> s(labels.size(), 0);
      for (size_t k = 0; k < labels.size(); ++k) {
        for (size_t d = 0; d < ids[i].size(); ++d) {
          if (ids[i][d] == labels[k] && shapes[i][d] != 1) s[k] += st[d];
          if (ids[i][d] == labels[k] && shapes[i][d] == 1 &&
              size[labels[k]] == 1) {
            s[k] += st[d];
          }
        }
      }
      return s;
    };
    p.out_strides.push_back(strides_for(out_ids));
    p.sum_strides.push_back(strides_for(sum_ids));
  }
  return p;
}

// Offsets of a row-major index space with the given per-dim strides.
std::vector<int64_t> SpaceOffsets(const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& strides) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<int64_t> out(n);
  for (int64_t j = 0; j < n; ++j) {
    int64_t rem = j, off = 0;
    for (int k = static_cast<int>(dims.size()) - 1; k >= 0; --k) {
      off += (rem % dims[k]) * strides[k];
      rem /= dims[k];
    }
    out[j] = off;
  }
  return out;
}

class EinsumKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<EinsumKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<EinsumKernel>();
    QS_ASSIGN_OR_RETURN(std::string eq,
                        node.attrs.GetString("equation", node.Describe()));
    absl::StatusOr<Equation> e = ParseEquation(eq);
    if (!e.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": ", e.status().message()));
    }
    k->eq_ = *e;
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    const int n_in = ctx.num_inputs();
    std::vector<engine::Tensor> xs;
    std::vector<std::vector<int64_t>> shapes;
    for (int i = 0; i < n_in; ++i) {
      QS_ASSIGN_OR_RETURN(engine::Tensor t, ctx.input(i).Contiguous());
      if (t.dtype() != ctx.input(0).dtype()) {
        return ctx.Error("inputs must have one dtype");
      }
      shapes.push_back(t.shape().dims());
      xs.push_back(std::move(t));
    }
    absl::StatusOr<Plan> p = MakePlan(eq_, shapes);
    if (!p.ok()) return ctx.Error(std::string(p.status().message()));
    const engine::DType dt = xs[0].dtype();
    QS_ASSIGN_OR_RETURN(engine::Tensor y,
                        ctx.AllocateOutput(0, engine::Shape(p->out_dims), dt));
    std::vector<std::vector<int64_t>> sum_offs;
    for (int i = 0; i < n_in; ++i) {
      sum_offs.push_back(SpaceOffsets(p->sum_dims, p->sum_strides[i]));
    }
    const int64_t n_sum = static_cast<int64_t>(sum_offs[0].size());
    const int64_t n_out = y.numel();
    const bool ok = kernels::VisitDType(dt, [&](auto tag) {
      using T = decltype(tag);
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
      std::vector<const T*> px;
      for (const engine::Tensor& t : xs) px.push_back(t.data<T>());
      T* py = y.data<T>();
      engine::ParallelFor(
          ctx.pool(), n_out, std::max<int64_t>(1, 4096 / (n_sum + 1)),
          [&](int64_t b, int64_t e) {
            std::vector<int64_t> base(n_in);
            for (int64_t o = b; o < e; ++o) {
              for (int i = 0; i < n_in; ++i) {
                int64_t rem = o, off = 0;
                for (int k = static_cast<int>(p->out_dims.size()) - 1; k >= 0;
                     --k) {
                  off += (rem % p->out_dims[k]) * p->out_strides[i][k];
                  rem /= p->out_dims[k];
                }
                base[i] = off;
              }
              Acc acc = Acc(0);
              for (int64_t j = 0; j < n_sum; ++j) {
                Acc prod = Acc(1);
                for (int i = 0; i < n_in; ++i) {
                  prod = static_cast<Acc>(
                      prod * static_cast<Acc>(px[i][base[i] + sum_offs[i][j]]));
                }
                acc = static_cast<Acc>(acc + prod);
              }
              py[o] = static_cast<T>(acc);
            }
          });
    });
    if (!ok) return ctx.Error("unsupported dtype");
    return absl::OkStatus();
  }

 private:
  Equation eq_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(std::string eq,
                      c.attrs().GetString("equation", c.node().Describe()));
  absl::StatusOr<Equation> e = ParseEquation(eq);
  if (!e.ok()) return c.Error(std::string(e.status().message()));
  if (static_cast<int>(e->inputs.size()) != c.num_inputs()) {
    return c.Error(absl::StrCat("equation has ", e->inputs.size(),
                                " operands, node ", c.num_inputs()));
  }
  const engine::DType dt = c.input(0).dtype;
  std::vector<std::vector<int64_t>> shapes;
  bool known = true;
  for (int i = 0; i < c.num_inputs(); ++i) {
    QS_RETURN_IF_ERROR(RequireSameDType(c, 0, i));
    const graph::ValueType& t = c.input(i);
    if (!t.has_rank) {
      known = false;
      break;
    }
    shapes.push_back(t.dims);
    for (int64_t d : t.dims) known &= d >= 0;
  }
  if (!known) {  // rank known only without ellipsis
    if (!e->has_ellipsis) {
      c.set_output(0, TypeWithDims(dt, std::vector<int64_t>(
                                           e->output.labels.size(), -1)));
    } else {
      c.set_output(0, graph::ValueType{dt, {}, false});
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Plan> p = MakePlan(*e, shapes);
  if (!p.ok()) return c.Error(std::string(p.status().message()));
  c.set_output(0, TypeWithDims(dt, p->out_dims));
  return absl::OkStatus();
}

std::string Letters(const Term& t) {
  std::string s;
  for (int l : t.labels) s.push_back(static_cast<char>(l));
  return s;
}

absl::Status Backward(graph::GradBuilder& b) {
  const graph::Node& node = b.node();
  QS_ASSIGN_OR_RETURN(std::string eq,
                      node.attrs.GetString("equation", node.Describe()));
  QS_ASSIGN_OR_RETURN(Equation e, ParseEquation(eq));
  const int n = static_cast<int>(e.inputs.size());
  for (int i = 0; i < n; ++i) {
    if (!b.needs_input_grad(i)) continue;
    const std::string mine = Letters(e.inputs[i]);
    std::string others = Letters(e.output);
    std::vector<graph::ValueId> in = {b.output_grad(0)};
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      others += "," + Letters(e.inputs[j]);
      in.push_back(b.input(j));
    }
    bool ok = !e.has_ellipsis;
    for (size_t k = 0; k < mine.size() && ok; ++k) {
      ok = mine.find(mine[k]) == k && others.find(mine[k]) != std::string::npos;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": no gradient for operand ", i, " of '", eq,
          "' (ellipsis, a diagonal or a label only it has)"));
    }
    QS_ASSIGN_OR_RETURN(
        graph::ValueId g,
        b.Emit1("Einsum", std::move(in),
                {{"equation", absl::StrCat(others, "->", mine)}}));
    b.SetInputGrad(i, g);
  }
  return absl::OkStatus();
}

}  // namespace

graph::OpDef MakeEinsumOp() {
  graph::OpDef d;
  d.type = "Einsum";
  d.min_inputs = 1;
  d.max_inputs = 16;
  d.attrs = {{"equation", graph::AttrType::kString, true}};
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<EinsumKernel>;
  d.backward = Backward;
  d.onnx = {"Einsum", "", 12};
  return d;
}

}  // namespace quantsim::ops
