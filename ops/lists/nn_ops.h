// Conv, ConvTranspose, Gemm, MatMul (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_NN_OPS_H_
#define QUANTSIM_OPS_LISTS_NN_OPS_H_

#define QUANTSIM_NN_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_NN_OPS_H_
