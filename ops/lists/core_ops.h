// Core and quantization ops (see ops/op_list.h).
#ifndef QUANTSIM_OPS_LISTS_CORE_OPS_H_
#define QUANTSIM_OPS_LISTS_CORE_OPS_H_

#define QUANTSIM_CORE_OPS(X) \
  X(Identity)                \
  X(SumToShape)              \
  X(FakeQuantize)            \
  X(FakeQuantizeSteGrad)     \
  X(FakeQuantizeLearned)     \
  X(FakeQuantizeLearnedGrad)

#endif  // QUANTSIM_OPS_LISTS_CORE_OPS_H_
