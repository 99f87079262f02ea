// quantsim CUDA kernels: element -> QDQ parameter index, for host and device.
//
// Contract: ParamIndexer maps a linear element index e < 2^32 of a row-major
// tensor viewed as QdqLayout [outer, axis, inner] (kernels/cpu/fake_quant/
// layout.h) to the index of its QdqParam, with exactly QdqLayout's formula
//     ((vary_outer ? o : 0) * AxisBlocks() + a / block) * (vary_inner ? inner :
//     1)
//         + (vary_inner ? i : 0).
// QdqLayout's members are host-only, so this header re-states the formula with
// QS_HOST_DEVICE functions and divides by invariant integers with a multiply
// and a shift (FastDivmodU32) instead of a hardware divide per element. Tests
// check it against QdqLayout::RunParamIndex on the host.
#ifndef QUANTSIM_KERNELS_CUDA_PARAM_INDEX_H_
#define QUANTSIM_KERNELS_CUDA_PARAM_INDEX_H_

#include <stdint.h>

#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"  // QS_HOST_DEVICE

namespace quantsim::kernels::cuda {

// Unsigned 32-bit division by a divisor d >= 1 fixed at construction
// (Granlund & Montgomery 1994, "Division by invariant integers using
// multiplication", Fig. 4.1): l = ceil(log2 d), m = floor(2^32 (2^l - d) / d)
// + 1 (< 2^32), q = (mulhi(m, n) + n) >> l, the sum taken in 64 bits. Exact
// for every n < 2^32.
struct FastDivmodU32 {
  uint32_t divisor = 1;
  uint32_t multiplier = 1;
  uint32_t shift = 0;

  static FastDivmodU32 Make(uint32_t d) {
    FastDivmodU32 f;
    f.divisor = d;
    uint32_t l = 0;
    while (l < 32 && (uint64_t{1} << l) < d) ++l;
    f.shift = l;
    f.multiplier =
        static_cast<uint32_t>((((uint64_t{1} << l) - d) << 32) / d + 1);
    return f;
  }

  QS_HOST_DEVICE uint32_t Div(uint32_t n) const {
#if defined(__CUDA_ARCH__)
    const uint32_t hi = __umulhi(multiplier, n);
#else
    const uint32_t hi = static_cast<uint32_t>((uint64_t{multiplier} * n) >> 32);
#endif
    return static_cast<uint32_t>((uint64_t{hi} + n) >> shift);
  }

  QS_HOST_DEVICE void DivMod(uint32_t n, uint32_t* q, uint32_t* r) const {
    *q = Div(n);
    *r = n - *q * divisor;
  }
};

// POD copy of a QdqLayout whose elements and parameters fit in 32 bits.
struct ParamIndexer {
  FastDivmodU32 inner_div;
  FastDivmodU32 axis_div;
  FastDivmodU32 block_div;
  uint32_t inner = 1;
  uint32_t axis_blocks = 1;
  bool vary_outer = false;
  bool vary_inner = false;

  // Requires a valid layout with NumElements() < 2^32 (checked by callers).
  static ParamIndexer Make(const QdqLayout& l) {
    ParamIndexer p;
    p.inner_div = FastDivmodU32::Make(static_cast<uint32_t>(l.inner));
    p.axis_div = FastDivmodU32::Make(static_cast<uint32_t>(l.axis));
    p.block_div = FastDivmodU32::Make(static_cast<uint32_t>(l.block));
    p.inner = static_cast<uint32_t>(l.inner);
    p.axis_blocks = static_cast<uint32_t>(l.AxisBlocks());
    p.vary_outer = l.vary_outer;
    p.vary_inner = l.vary_inner;
    return p;
  }

  // Parameter index of the row (o, a) = divmod(row, axis); add i when
  // vary_inner (RowParamBase + i).
  QS_HOST_DEVICE uint32_t RowParamBase(uint32_t row) const {
    uint32_t o, a;
    axis_div.DivMod(row, &o, &a);
    const uint32_t p = (vary_outer ? o : 0u) * axis_blocks + block_div.Div(a);
    return vary_inner ? p * inner : p;
  }

  QS_HOST_DEVICE uint32_t operator()(uint32_t e) const {
    uint32_t row, i;
    inner_div.DivMod(e, &row, &i);
    return RowParamBase(row) + (vary_inner ? i : 0u);
  }
};

}  // namespace quantsim::kernels::cuda

#endif  // QUANTSIM_KERNELS_CUDA_PARAM_INDEX_H_
