// Data-movement and shape ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_DATA_OPS_H_
#define QUANTSIM_OPS_LISTS_DATA_OPS_H_

#define QUANTSIM_DATA_OPS(X) \
  X(Reshape)                 \
  X(Flatten)                 \
  X(Squeeze)                 \
  X(Unsqueeze)               \
  X(Transpose)               \
  X(Concat)                  \
  X(Split)                   \
  X(SplitLike)               \
  X(Slice)                   \
  X(SliceGrad)               \
  X(Gather)                  \
  X(GatherGrad)              \
  X(Shape)                   \
  X(Expand)                  \
  X(Constant)                \
  X(ConstantOfShape)         \
  X(Cast)                    \
  X(Pad)                     \
  X(PadGrad)                 \
  X(Dropout)                 \
  X(DropoutGrad)             \
  X(ReshapeLike)

#endif  // QUANTSIM_OPS_LISTS_DATA_OPS_H_
