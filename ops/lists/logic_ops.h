// logic_ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_LOGIC_OPS_H_
#define QUANTSIM_OPS_LISTS_LOGIC_OPS_H_

#define QUANTSIM_LOGIC_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_LOGIC_OPS_H_
