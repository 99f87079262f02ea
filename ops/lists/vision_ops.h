// vision_ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_VISION_OPS_H_
#define QUANTSIM_OPS_LISTS_VISION_OPS_H_

#define QUANTSIM_VISION_OPS(X) \
  X(Resize)                    \
  X(ResizeGrad)                \
  X(DepthToSpace)              \
  X(SpaceToDepth)              \
  X(SpaceToDepthCrd)           \
  X(Compress)                  \
  X(ReverseSequence)           \
  X(LRN)                       \
  X(MeanVarianceNormalization)

#endif  // QUANTSIM_OPS_LISTS_VISION_OPS_H_
