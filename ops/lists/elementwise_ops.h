// Unary, binary, reduction, softmax and loss ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_
#define QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_

#define QUANTSIM_ELEMENTWISE_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_ELEMENTWISE_OPS_H_
