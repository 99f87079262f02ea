// quantsim kernels (internal): walking a QdqLayout over a range of linear
// element indices.
//
// ForEachRun(layout, begin, end, fn) calls fn(pos, len, param_base, i0) for
// consecutive pieces [pos, pos + len) of [begin, end) that lie in one run of
// `inner` elements; the piece's first element has inner index i0, and its
// element k uses parameter param_base + (vary_inner ? i0 + k : 0).
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_WALK_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_WALK_H_

#include <stdint.h>

#include "kernels/cpu/fake_quant/layout.h"

namespace quantsim::kernels::internal {

template <typename Fn>
void ForEachRun(const QdqLayout& l, int64_t begin, int64_t end, Fn&& fn) {
  int64_t run = begin / l.inner;
  int64_t i0 = begin % l.inner;
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len =
        (l.inner - i0) < (end - pos) ? (l.inner - i0) : (end - pos);
    fn(pos, len, l.RunParamIndex(run / l.axis, run % l.axis), i0);
    pos += len;
    i0 = 0;
    ++run;
  }
}

// Parameter index of consecutive elements, starting at linear index `pos`.
class ParamCursor {
 public:
  ParamCursor(const QdqLayout& l, int64_t pos) : l_(l) {
    const int64_t run = pos / l.inner;
    i_ = pos % l.inner;
    a_ = run % l.axis;
    o_ = run / l.axis;
    base_ = l.RunParamIndex(o_, a_);
  }
  int64_t index() const { return l_.vary_inner ? base_ + i_ : base_; }
  void Next() {
    if (++i_ < l_.inner) return;
    i_ = 0;
    if (++a_ == l_.axis) {
      a_ = 0;
      ++o_;
    }
    base_ = l_.RunParamIndex(o_, a_);
  }

 private:
  const QdqLayout& l_;
  int64_t o_, a_, i_, base_;
};

}  // namespace quantsim::kernels::internal

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_LAYOUT_WALK_H_
