// quantsim ops: THE list of built-in ops. Adding an op = one line here, one
// ops/<op>.cc defining `graph::OpDef Make<Name>Op()`, kernels if new, and one
// test spec. ops/registry.cc registers every entry; a test checks that each
// has shape inference, a CPU kernel, a backward (or an explicit
// non-differentiable mark) and an ONNX mapping (or is internal).
#ifndef QUANTSIM_OPS_OP_LIST_H_
#define QUANTSIM_OPS_OP_LIST_H_

#define QUANTSIM_OP_LIST(X) \
  X(Identity)               \
  X(SumToShape)             \
  X(Reshape)                \
  X(Flatten)                \
  X(Squeeze)                \
  X(Unsqueeze)              \
  X(Transpose)              \
  X(Concat)                 \
  X(Split)                  \
  X(SplitLike)              \
  X(Slice)                  \
  X(SliceGrad)              \
  X(Gather)                 \
  X(GatherGrad)             \
  X(Shape)                  \
  X(Expand)                 \
  X(Constant)               \
  X(ConstantOfShape)        \
  X(Cast)                   \
  X(Pad)                    \
  X(PadGrad)                \
  X(Dropout)                \
  X(DropoutGrad)            \
  X(ReshapeLike)

#endif  // QUANTSIM_OPS_OP_LIST_H_
