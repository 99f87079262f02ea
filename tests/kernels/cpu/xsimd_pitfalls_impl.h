// Body of PitfallProbe; include ONLY from xsimd_pitfalls_<arch>.cc (the ODR
// rule of kernels/cpu/README.md: templates on Arch, no scalar helpers).
#include <immintrin.h>
#include <stdint.h>

#include <type_traits>

#include "tests/kernels/cpu/xsimd_pitfalls.h"

namespace quantsim::kernels::testing {

template <class Arch>
void PitfallProbe::operator()(Arch, PitfallIo* io) const {
  using B = xsimd::batch<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  alignas(64) float lanes[B::size];
  const auto lane0 = [&](const B& v) {
    v.store_aligned(lanes);
    return lanes[0];
  };
  const auto as_float = [&](const xsimd::batch_bool<float, Arch>& m) {
    return lane0(xsimd::select(m, B(1.0f), B(0.0f)));
  };
  const B nan(io->nan), one(io->one), zero(io->zero);
  io->ne_nan_nan = as_float(nan != nan);
  io->ne_nan_one = as_float(nan != one);
  io->isnan_nan = as_float(xsimd::isnan(nan));
  io->neg_zero = lane0(-zero);
  io->xor_neg_zero = lane0(
      xsimd::bitwise_cast<B>(xsimd::bitwise_cast<I>(zero) ^ I(INT32_MIN)));
  const B a(io->fma_a), c(io->fma_c);
  io->xsimd_fma = lane0(xsimd::fma(a, a, c));
  if constexpr (std::is_same<Arch, xsimd::avx512bw>::value) {
    io->raw_fma = lane0(B(_mm512_fmadd_ps(a, a, c)));
  } else if constexpr (B::size == 8) {
    io->raw_fma = lane0(B(_mm256_fmadd_ps(a, a, c)));
  }
}

}  // namespace quantsim::kernels::testing
