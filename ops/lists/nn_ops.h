// Conv, ConvTranspose, Gemm, MatMul (see ops/op_list.h) and their internal
// gradient ops.
#ifndef QUANTSIM_OPS_LISTS_NN_OPS_H_
#define QUANTSIM_OPS_LISTS_NN_OPS_H_

#define QUANTSIM_NN_OPS(X)   \
  X(Conv)                    \
  X(ConvGradInput)           \
  X(ConvGradWeight)          \
  X(ConvGradBias)            \
  X(ConvTranspose)           \
  X(ConvTransposeGradInput)  \
  X(ConvTransposeGradWeight) \
  X(Gemm)                    \
  X(GemmGradC)               \
  X(MatMul)                  \
  X(MatMulGradA)             \
  X(MatMulGradB)

#endif  // QUANTSIM_OPS_LISTS_NN_OPS_H_
