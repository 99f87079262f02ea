// tensor_ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_TENSOR_OPS_H_
#define QUANTSIM_OPS_LISTS_TENSOR_OPS_H_

#define QUANTSIM_TENSOR_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_TENSOR_OPS_H_
