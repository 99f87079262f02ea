// Normalization and pooling ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_
#define QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_

#define QUANTSIM_NORM_POOL_OPS(X) \
  X(BatchNormalization)           \
  X(BatchNormalizationGrad)       \
  X(LayerNormalization)           \
  X(GroupNormalization)           \
  X(InstanceNormalization)        \
  X(RowNormGrad)                  \
  X(MaxPool)                      \
  X(MaxPoolGrad)                  \
  X(AveragePool)                  \
  X(AveragePoolGrad)              \
  X(GlobalAveragePool)            \
  X(GlobalAveragePoolGrad)        \
  X(GlobalMaxPool)                \
  X(GlobalMaxPoolGrad)

#endif  // QUANTSIM_OPS_LISTS_NORM_POOL_OPS_H_
