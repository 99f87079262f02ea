// Normalization and pooling ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_
#define QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_

#define QUANTSIM_NORM_POOL_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_
