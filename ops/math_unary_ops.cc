// Elementwise unary ops of the logic family (ONNX semantics), one table
// entry each, plain typed loops:
//   Not (bool), BitwiseNot (integers), Sign (numeric; NaN -> NaN),
//   Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh (f32,
//   f64), IsNaN (f32, f64 -> bool), IsInf(detect_negative = 1,
//   detect_positive = 1) (f32, f64 -> bool), Shrink(lambd = 0.5, bias = 0)
//   (numeric: y = x + bias for x < -lambd, x - bias for x > lambd, else 0),
//   ThresholdedRelu(alpha = 1) (f32, f64: y = x for x > alpha, else 0).
// Backward (f32): the internal op MathUnaryGrad(dy, x) with the forward's
// attributes plus op = <forward type>: the analytic derivative (Tan: 1 +
// tan^2 x; Asin/Acos: +-1/sqrt(1 - x^2) ...). Sign has an explicit zero
// gradient; Shrink and ThresholdedRelu pass dy where they pass x (their
// kinks take the zero side). Not, BitwiseNot, IsNaN, IsInf are
// non-differentiable.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/status.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/logic/index_plan.h"
#include "ops/op_util.h"
#include "ops/typed_op_util.h"

namespace quantsim::ops {
namespace {

using engine::DType;

enum class Kind {
  kNot,
  kBitwiseNot,
  kSign,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kIsNaN,
  kIsInf,
  kShrink,
  kThresholdedRelu,
};

enum class Accepts { kBool, kInteger, kNumeric, kFloat };

struct Entry {
  const char* type;
  Kind kind;
  Accepts accepts;
  bool bool_out;
  bool differentiable;
  int min_opset;
};

constexpr Entry kTable[] = {
    {"Not", Kind::kNot, Accepts::kBool, true, false, 1},
    {"BitwiseNot", Kind::kBitwiseNot, Accepts::kInteger, false, false, 18},
    {"Sign", Kind::kSign, Accepts::kNumeric, false, true, 9},
    {"Sin", Kind::kSin, Accepts::kFloat, false, true, 7},
    {"Cos", Kind::kCos, Accepts::kFloat, false, true, 7},
    {"Tan", Kind::kTan, Accepts::kFloat, false, true, 7},
    {"Asin", Kind::kAsin, Accepts::kFloat, false, true, 7},
    {"Acos", Kind::kAcos, Accepts::kFloat, false, true, 7},
    {"Atan", Kind::kAtan, Accepts::kFloat, false, true, 7},
    {"Sinh", Kind::kSinh, Accepts::kFloat, false, true, 9},
    {"Cosh", Kind::kCosh, Accepts::kFloat, false, true, 9},
    {"Asinh", Kind::kAsinh, Accepts::kFloat, false, true, 9},
    {"Acosh", Kind::kAcosh, Accepts::kFloat, false, true, 9},
    {"Atanh", Kind::kAtanh, Accepts::kFloat, false, true, 9},
    {"IsNaN", Kind::kIsNaN, Accepts::kFloat, true, false, 9},
    {"IsInf", Kind::kIsInf, Accepts::kFloat, true, false, 10},
    {"Shrink", Kind::kShrink, Accepts::kNumeric, false, true, 9},
    {"ThresholdedRelu", Kind::kThresholdedRelu, Accepts::kFloat, false, true,
     10},
};

const Entry* Find(const std::string& type) {
  for (const Entry& e : kTable) {
    if (type == e.type) return &e;
  }
  return nullptr;
}

bool Accepted(Accepts a, DType d) {
  switch (a) {
    case Accepts::kBool:
      return d == DType::kBool;
    case Accepts::kInteger:
      return IsIntDType(d);
    case Accepts::kNumeric:
      return IsIntDType(d) || IsFloatDType(d);
    case Accepts::kFloat:
      return IsFloatDType(d);
  }
  return false;
}

const char* AcceptsName(Accepts a) {
  switch (a) {
    case Accepts::kBool:
      return "bool";
    case Accepts::kInteger:
      return "an integer type";
    case Accepts::kNumeric:
      return "numeric";
    case Accepts::kFloat:
      return "f32 or f64";
  }
  return "";
}

struct Config {
  const Entry* e = nullptr;
  double alpha = 1.0;  // ThresholdedRelu alpha; Shrink lambd
  double beta = 0.0;   // Shrink bias
  bool detect_negative = true, detect_positive = true;  // IsInf
};

absl::StatusOr<Config> ParseAs(const graph::Node& node,
                               const std::string& type) {
  const std::string where = node.Describe();
  Config c;
  c.e = Find(type);
  if (c.e == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown unary op '", type, "'"));
  }
  const graph::Attributes& a = node.attrs;
  if (c.e->kind == Kind::kThresholdedRelu) {
    QS_ASSIGN_OR_RETURN(float alpha, a.GetFloatOr("alpha", 1.0f, where));
    c.alpha = alpha;
  }
  if (c.e->kind == Kind::kShrink) {
    QS_ASSIGN_OR_RETURN(float lambd, a.GetFloatOr("lambd", 0.5f, where));
    QS_ASSIGN_OR_RETURN(float bias, a.GetFloatOr("bias", 0.0f, where));
    c.alpha = lambd;
    c.beta = bias;
  }
  if (c.e->kind == Kind::kIsInf) {
    QS_ASSIGN_OR_RETURN(int64_t n, a.GetIntOr("detect_negative", 1, where));
    QS_ASSIGN_OR_RETURN(int64_t p, a.GetIntOr("detect_positive", 1, where));
    c.detect_negative = n != 0;
    c.detect_positive = p != 0;
  }
  return c;
}

template <typename T>
T FloatFn(Kind k, T x) {
  switch (k) {
    case Kind::kSin:
      return std::sin(x);
    case Kind::kCos:
      return std::cos(x);
    case Kind::kTan:
      return std::tan(x);
    case Kind::kAsin:
      return std::asin(x);
    case Kind::kAcos:
      return std::acos(x);
    case Kind::kAtan:
      return std::atan(x);
    case Kind::kSinh:
      return std::sinh(x);
    case Kind::kCosh:
      return std::cosh(x);
    case Kind::kAsinh:
      return std::asinh(x);
    case Kind::kAcosh:
      return std::acosh(x);
    case Kind::kAtanh:
      return std::atanh(x);
    default:
      return x;
  }
}

// d f / d x for the differentiable float ops.
template <typename T>
T Derivative(const Config& c, T x) {
  switch (c.e->kind) {
    case Kind::kSin:
      return std::cos(x);
    case Kind::kCos:
      return -std::sin(x);
    case Kind::kTan: {
      const T t = std::tan(x);
      return 1 + t * t;
    }
    case Kind::kAsin:
      return 1 / std::sqrt(1 - x * x);
    case Kind::kAcos:
      return -1 / std::sqrt(1 - x * x);
    case Kind::kAtan:
      return 1 / (1 + x * x);
    case Kind::kSinh:
      return std::cosh(x);
    case Kind::kCosh:
      return std::sinh(x);
    case Kind::kAsinh:
      return 1 / std::sqrt(x * x + 1);
    case Kind::kAcosh:
      return 1 / std::sqrt(x * x - 1);
    case Kind::kAtanh:
      return 1 / (1 - x * x);
    case Kind::kShrink:
      return (x < -c.alpha || x > c.alpha) ? 1 : 0;
    case Kind::kThresholdedRelu:
      return x > c.alpha ? 1 : 0;
    default:
      return 0;  // Sign
  }
}

template <typename T, typename R, typename F>
void Map(const engine::Tensor& x, engine::Tensor& y, engine::ThreadPool* pool,
         F f) {
  const T* px = x.data<T>();
  R* py = y.data<R>();
  engine::ParallelFor(pool, x.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) py[i] = f(px[i]);
  });
}

class MathUnaryKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<MathUnaryKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<MathUnaryKernel>();
    QS_ASSIGN_OR_RETURN(k->c_, ParseAs(node, node.op_type));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(0).Contiguous());
    if (!Accepted(c_.e->accepts, x.dtype())) {
      return ctx.Error(absl::StrCat("input must be ",
                                    AcceptsName(c_.e->accepts), ", is ",
                                    engine::DTypeName(x.dtype())));
    }
    QS_ASSIGN_OR_RETURN(
        engine::Tensor y,
        ctx.AllocateOutput(0, x.shape(),
                           c_.e->bool_out ? DType::kBool : x.dtype()));
    engine::ThreadPool* pool = ctx.pool();
    const Config c = c_;
    kernels::VisitDType(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        Map<T, bool>(x, y, pool, [](bool v) { return !v; });
      } else if constexpr (std::is_floating_point_v<T>) {
        const Kind k = c.e->kind;
        if (k == Kind::kIsNaN) {
          Map<T, bool>(x, y, pool, [](T v) { return std::isnan(v); });
        } else if (k == Kind::kIsInf) {
          const bool neg = c.detect_negative, pos = c.detect_positive;
          Map<T, bool>(x, y, pool, [neg, pos](T v) {
            return std::isinf(v) && ((v < 0 && neg) || (v > 0 && pos));
          });
        } else if (k == Kind::kSign) {
          Map<T, T>(x, y, pool, [](T v) -> T {
            return v > 0 ? T(1) : v < 0 ? T(-1) : v;  // NaN and +-0 stay
          });
        } else if (k == Kind::kShrink) {
          const T l = static_cast<T>(c.alpha), bias = static_cast<T>(c.beta);
          Map<T, T>(x, y, pool, [l, bias](T v) -> T {
            return v < -l ? v + bias : v > l ? v - bias : T(0);
          });
        } else if (k == Kind::kThresholdedRelu) {
          const T a = static_cast<T>(c.alpha);
          Map<T, T>(x, y, pool, [a](T v) -> T { return v > a ? v : T(0); });
        } else {
          Map<T, T>(x, y, pool, [k](T v) { return FloatFn(k, v); });
        }
      } else {  // integers
        const Kind k = c.e->kind;
        if (k == Kind::kBitwiseNot) {
          Map<T, T>(x, y, pool, [](T v) { return static_cast<T>(~v); });
        } else if (k == Kind::kSign) {
          Map<T, T>(x, y, pool,
                    [](T v) { return static_cast<T>((v > 0) - (v < 0)); });
        } else if (k == Kind::kShrink) {
          const double l = c.alpha, bias = c.beta;
          Map<T, T>(x, y, pool, [l, bias](T v) -> T {
            const double d = static_cast<double>(v);
            return d < -l  ? static_cast<T>(d + bias)
                   : d > l ? static_cast<T>(d - bias)
                           : T(0);
          });
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  Config c_;
};

// MathUnaryGrad (internal, f32): (dy, x) -> dx = dy * f'(x).
class MathUnaryGradKernel final : public graph::OpKernel {
 public:
  static absl::StatusOr<std::unique_ptr<MathUnaryGradKernel>> Create(
      const graph::Node& node) {
    auto k = std::make_unique<MathUnaryGradKernel>();
    QS_ASSIGN_OR_RETURN(std::string op,
                        node.attrs.GetString("op", node.Describe()));
    QS_ASSIGN_OR_RETURN(k->c_, ParseAs(node, op));
    return k;
  }

  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(engine::Tensor dy, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(engine::Tensor x, ctx.input(1).Contiguous());
    if (dy.shape() != x.shape()) {
      return ctx.Error("dy " + dy.shape().ToString() + " and x " +
                       x.shape().ToString() + " differ");
    }
    QS_ASSIGN_OR_RETURN(engine::Tensor dx, ctx.AllocateOutput(0, x.shape()));
    const float* pdy = dy.data<float>();
    const float* px = x.data<float>();
    float* pdx = dx.data<float>();
    const Config c = c_;
    engine::ParallelFor(ctx.pool(), x.numel(), 16384,
                        [&](int64_t b, int64_t e) {
                          for (int64_t i = b; i < e; ++i) {
                            pdx[i] = pdy[i] * Derivative<float>(c, px[i]);
                          }
                        });
    return absl::OkStatus();
  }

 private:
  Config c_;
};

absl::Status Infer(graph::InferContext& c) {
  QS_ASSIGN_OR_RETURN(Config cfg, ParseAs(c.node(), c.node().op_type));
  const Accepts acc = cfg.e->accepts;
  QS_RETURN_IF_ERROR(RequireDType(
      c, 0, [acc](DType d) { return Accepted(acc, d); }, AcceptsName(acc)));
  graph::ValueType t = c.input(0);
  if (cfg.e->bool_out) t.dtype = DType::kBool;
  c.set_output(0, t);
  return absl::OkStatus();
}

absl::Status Backward(graph::GradBuilder& b) {
  if (!b.needs_input_grad(0)) return absl::OkStatus();
  if (b.input_type(0).dtype != DType::kF32) {
    return absl::InvalidArgumentError(b.node().Describe() +
                                      ": gradients are computed for f32 only");
  }
  graph::Attributes attrs = b.node().attrs;
  attrs.Set("op", b.node().op_type);
  QS_ASSIGN_OR_RETURN(graph::ValueId dx,
                      b.Emit1("MathUnaryGrad", {b.output_grad(0), b.input(0)},
                              std::move(attrs)));
  b.SetInputGrad(0, dx);
  return absl::OkStatus();
}

graph::OpDef MakeMathUnary(const char* type) {
  const Entry& e = *Find(type);
  graph::OpDef d;
  d.type = e.type;
  d.min_inputs = d.max_inputs = 1;
  if (e.kind == Kind::kThresholdedRelu) {
    d.attrs = {{"alpha", graph::AttrType::kFloat}};
  } else if (e.kind == Kind::kShrink) {
    d.attrs = {{"lambd", graph::AttrType::kFloat},
               {"bias", graph::AttrType::kFloat}};
  } else if (e.kind == Kind::kIsInf) {
    d.attrs = {{"detect_negative", graph::AttrType::kInt},
               {"detect_positive", graph::AttrType::kInt}};
  }
  d.infer = Infer;
  d.make_cpu_kernel = MakeKernel<MathUnaryKernel>;
  if (e.differentiable) {
    d.backward = Backward;
  } else {
    d.differentiable = false;
  }
  d.onnx = {e.type, "", e.min_opset};
  return d;
}

}  // namespace

#define QUANTSIM_MATH_UNARY(name) \
  graph::OpDef Make##name##Op() { return MakeMathUnary(#name); }
QUANTSIM_MATH_UNARY(Not)
QUANTSIM_MATH_UNARY(BitwiseNot)
QUANTSIM_MATH_UNARY(Sign)
QUANTSIM_MATH_UNARY(Sin)
QUANTSIM_MATH_UNARY(Cos)
QUANTSIM_MATH_UNARY(Tan)
QUANTSIM_MATH_UNARY(Asin)
QUANTSIM_MATH_UNARY(Acos)
QUANTSIM_MATH_UNARY(Atan)
QUANTSIM_MATH_UNARY(Sinh)
QUANTSIM_MATH_UNARY(Cosh)
QUANTSIM_MATH_UNARY(Asinh)
QUANTSIM_MATH_UNARY(Acosh)
QUANTSIM_MATH_UNARY(Atanh)
QUANTSIM_MATH_UNARY(IsNaN)
QUANTSIM_MATH_UNARY(IsInf)
QUANTSIM_MATH_UNARY(Shrink)
QUANTSIM_MATH_UNARY(ThresholdedRelu)
#undef QUANTSIM_MATH_UNARY

graph::OpDef MakeMathUnaryGradOp() {
  graph::OpDef d;
  d.type = "MathUnaryGrad";
  d.min_inputs = d.max_inputs = 2;
  d.attrs = {{"op", graph::AttrType::kString, true}};
  d.infer = [](graph::InferContext& c) -> absl::Status {
    QS_RETURN_IF_ERROR(RequireF32(c, 0));
    QS_RETURN_IF_ERROR(RequireF32(c, 1));
    c.set_output(0, c.input(1));
    return absl::OkStatus();
  };
  d.make_cpu_kernel = MakeKernel<MathUnaryGradKernel>;
  d.differentiable = false;
  d.onnx = {"", "", 0};
  return d;
}

}  // namespace quantsim::ops
