// tensor_ops (see ops/op_list.h): Tile, ArgMin, TopK, CumSum, the extra
// reductions (ops/reduce_ext_ops.cc), gathers/scatters and index/tensor
// builders (one file each, ops/<name>.cc).
#ifndef QUANTSIM_OPS_LISTS_TENSOR_OPS_H_
#define QUANTSIM_OPS_LISTS_TENSOR_OPS_H_

#define QUANTSIM_TENSOR_OPS(X) \
  X(Tile)                      \
  X(TileGrad)                  \
  X(ArgMin)                    \
  X(TopK)                      \
  X(TopKGrad)                  \
  X(CumSum)                    \
  X(ReduceProd)                \
  X(ReduceL1)                  \
  X(ReduceL2)                  \
  X(ReduceLogSum)              \
  X(ReduceLogSumExp)           \
  X(ReduceSumSquare)           \
  X(ReduceExtGrad)             \
  X(GatherElements)            \
  X(GatherElementsGrad)        \
  X(GatherND)                  \
  X(GatherNDGrad)              \
  X(ScatterElements)           \
  X(ScatterND)                 \
  X(NonZero)                   \
  X(OneHot)                    \
  X(Range)                     \
  X(EyeLike)                   \
  X(Size)                      \
  X(Trilu)                     \
  X(Hardmax)                   \
  X(Einsum)

#endif  // QUANTSIM_OPS_LISTS_TENSOR_OPS_H_
