// Unary, binary, reduction, softmax and loss ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_
#define QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_

// Unary (ops/unary_ops.cc: one table entry each) and PRelu (ops/prelu.cc).
#define QUANTSIM_UNARY_OPS(X) \
  X(Relu)                     \
  X(LeakyRelu)                \
  X(Elu)                      \
  X(Selu)                     \
  X(Celu)                     \
  X(Gelu)                     \
  X(Sigmoid)                  \
  X(Tanh)                     \
  X(HardSigmoid)              \
  X(HardSwish)                \
  X(Softplus)                 \
  X(Softsign)                 \
  X(Mish)                     \
  X(Clip)                     \
  X(Exp)                      \
  X(Log)                      \
  X(Sqrt)                     \
  X(Reciprocal)               \
  X(Abs)                      \
  X(Neg)                      \
  X(Erf)                      \
  X(Floor)                    \
  X(Ceil)                     \
  X(Round)                    \
  X(UnaryGrad)                \
  X(PRelu)                    \
  X(PReluGrad)

// Broadcasting binary (ops/binary_ops.cc) and variadic (ops/variadic_ops.cc).
#define QUANTSIM_BINARY_OPS(X) \
  X(Add)                       \
  X(Sub)                       \
  X(Mul)                       \
  X(Div)                       \
  X(Pow)                       \
  X(BinaryGrad)                \
  X(Max)                       \
  X(Min)                       \
  X(Sum)                       \
  X(Mean)

// Reductions (ops/reduce_ops.cc) and ArgMax (ops/arg_max.cc).
#define QUANTSIM_REDUCE_OPS(X) \
  X(ReduceSum)                 \
  X(ReduceMean)                \
  X(ReduceMax)                 \
  X(ReduceMin)                 \
  X(ReduceGrad)                \
  X(ArgMax)

// Softmax (ops/softmax.cc) and losses (one file each).
#define QUANTSIM_SOFTMAX_LOSS_OPS(X) \
  X(Softmax)                         \
  X(LogSoftmax)                      \
  X(SoftmaxGrad)                     \
  X(SoftmaxCrossEntropyLoss)         \
  X(SoftmaxCrossEntropyLossGrad)     \
  X(NegativeLogLikelihoodLoss)       \
  X(NegativeLogLikelihoodLossGrad)   \
  X(MeanSquaredError)                \
  X(MeanSquaredErrorGrad)

#define QUANTSIM_ELEMENTWISE_OPS(X) \
  QUANTSIM_UNARY_OPS(X)             \
  QUANTSIM_BINARY_OPS(X)            \
  QUANTSIM_REDUCE_OPS(X)            \
  QUANTSIM_SOFTMAX_LOSS_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_
