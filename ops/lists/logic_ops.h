// logic_ops (see ops/op_list.h): comparisons, boolean and bitwise ops, Mod
// (ops/logic_binary_ops.cc), elementwise math/predicates
// (ops/math_unary_ops.cc) and Where (ops/where.cc).
#ifndef QUANTSIM_OPS_LISTS_LOGIC_OPS_H_
#define QUANTSIM_OPS_LISTS_LOGIC_OPS_H_

#define QUANTSIM_LOGIC_OPS(X) \
  X(Equal)                    \
  X(Greater)                  \
  X(GreaterOrEqual)           \
  X(Less)                     \
  X(LessOrEqual)              \
  X(And)                      \
  X(Or)                       \
  X(Xor)                      \
  X(BitwiseAnd)               \
  X(BitwiseOr)                \
  X(BitwiseXor)               \
  X(BitShift)                 \
  X(Mod)                      \
  X(Not)                      \
  X(BitwiseNot)               \
  X(Sign)                     \
  X(Sin)                      \
  X(Cos)                      \
  X(Tan)                      \
  X(Asin)                     \
  X(Acos)                     \
  X(Atan)                     \
  X(Sinh)                     \
  X(Cosh)                     \
  X(Asinh)                    \
  X(Acosh)                    \
  X(Atanh)                    \
  X(IsNaN)                    \
  X(IsInf)                    \
  X(Shrink)                   \
  X(ThresholdedRelu)          \
  X(MathUnaryGrad)            \
  X(Where)

#endif  // QUANTSIM_OPS_LISTS_LOGIC_OPS_H_
