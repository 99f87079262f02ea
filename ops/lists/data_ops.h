// Data-movement and shape ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_DATA_OPS_H_
#define QUANTSIM_OPS_LISTS_DATA_OPS_H_

#define QUANTSIM_DATA_OPS(X) 

#endif  // QUANTSIM_OPS_LISTS_DATA_OPS_H_
