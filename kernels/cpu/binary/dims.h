// quantsim kernels: a POD tensor shape (row-major, rank <= kMaxRank) shared
// by the broadcast, reduce and pooling kernels. No Tensor types here.
#ifndef QUANTSIM_KERNELS_CPU_BINARY_DIMS_H_
#define QUANTSIM_KERNELS_CPU_BINARY_DIMS_H_

#include <stdint.h>

#include <initializer_list>

namespace quantsim::kernels {

inline constexpr int kMaxRank = 8;

struct Dims {
  int rank = 0;
  int64_t d[kMaxRank] = {};

  Dims() = default;
  Dims(std::initializer_list<int64_t> v) {
    for (int64_t x : v) d[rank++] = x;
  }
  int64_t NumElements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= d[i];
    return n;
  }
  bool operator==(const Dims& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; ++i) {
      if (d[i] != o.d[i]) return false;
    }
    return true;
  }
  bool operator!=(const Dims& o) const { return !(*this == o); }
};

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_BINARY_DIMS_H_
