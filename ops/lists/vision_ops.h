// vision_ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_VISION_OPS_H_
#define QUANTSIM_OPS_LISTS_VISION_OPS_H_

#define QUANTSIM_VISION_OPS(X)

#endif  // QUANTSIM_OPS_LISTS_VISION_OPS_H_
