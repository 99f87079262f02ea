// quantsim kernels: how QDQ parameters map onto a tensor's elements.
//
// One loop nest covers per-tensor, per-channel on any axis and blockwise
// quantization (after ONNX Runtime's (block_count, channel_dim, block_size)
// decomposition): the row-major tensor is viewed as [outer, axis, inner] and
// element (o, a, i) uses parameter
//     ((vary_outer ? o : 0) * AxisBlocks() + a / block) * (vary_inner ? inner :
//     1)
//         + (vary_inner ? i : 0)
//   per-tensor:           outer=1, axis=1, inner=n, block=1
//   per-channel, axis d:  outer=prod(dims<d), axis=dim d, inner=prod(dims>d)
//                         (per-channel on the last axis: outer=prod(dims<d),
//                          axis=1, inner=dim d, vary_inner=true)
//   AIMET blockwise (weight [Cout, Cin, k...], blocks of B along Cin):
//                         outer=Cout, axis=Cin, inner=prod(k), block=B,
//                         vary_outer=true
//   ONNX blockwise (scale shaped like x with dim d divided by B):
//                         vary_outer=true, vary_inner=true
// A last block may be shorter than `block` (ONNX allows it).
// The methods are QS_HOST_DEVICE: the CUDA kernels index with this very code.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_H_

#include <stdint.h>

#include "kernels/cpu/fake_quant/reference.h"  // QS_HOST_DEVICE

namespace quantsim::kernels {

struct QdqLayout {
  int64_t outer = 1;
  int64_t axis = 1;
  int64_t inner = 1;
  int64_t block = 1;
  bool vary_outer = false;
  bool vary_inner = false;

  QS_HOST_DEVICE int64_t NumElements() const { return outer * axis * inner; }
  QS_HOST_DEVICE int64_t AxisBlocks() const {
    return (axis + block - 1) / block;
  }
  QS_HOST_DEVICE int64_t NumParams() const {
    return (vary_outer ? outer : 1) * AxisBlocks() * (vary_inner ? inner : 1);
  }
  // Parameter index of the run of `inner` elements at (o, a); add i when
  // vary_inner.
  QS_HOST_DEVICE int64_t RunParamIndex(int64_t o, int64_t a) const {
    return ((vary_outer ? o : 0) * AxisBlocks() + a / block) *
           (vary_inner ? inner : 1);
  }
};

QS_HOST_DEVICE inline QdqLayout PerTensorLayout(int64_t n) {
  QdqLayout l;
  l.inner = n;
  return l;
}

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_H_
