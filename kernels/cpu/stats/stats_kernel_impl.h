// quantsim kernels: SIMD bodies of the statistics kernels. Include ONLY from
// stats_<arch>.cc, each compiled with its arch's -m flags.
//
// ODR rule for per-arch TUs: call nothing that is not templated on Arch (no
// std::min, no reference.h helpers, no memcpy wrappers): such inline
// functions are emitted as weak symbols and the linker may keep the AVX-512
// copy (SIGILL on AVX2 machines). tools/odr_check.sh (odr_check_test) guards
// this.
//
// Each body mirrors stats_reference.h operation for operation.
//
// xsimd 8.1 pitfall: batch operator!= is the *ordered* compare on avx/avx512
// (_CMP_NEQ_OQ: NaN != NaN is false) but unordered on sse2; use
// xsimd::isnan for NaN tests.
#include "kernels/cpu/stats/stats_kernel.h"

namespace quantsim::kernels::stats_internal {

namespace detail {

template <class Arch>
struct Ops {
  using F = xsimd::batch<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  using M = xsimd::batch_bool<float, Arch>;

  static F Inf() { return F(__builtin_inff()); }
  // MinFold / MaxFold of stats_reference.h.
  static F MinFold(F x, F acc) {
    const F m = xsimd::select(x < acc, x, acc);
    return xsimd::select(x == acc, x | acc, m);
  }
  static F MaxFold(F x, F acc) {
    const F m = xsimd::select(x > acc, x, acc);
    return xsimd::select(x == acc, x & acc, m);
  }
  // All-ones lanes as int32 -1, else 0.
  static I MaskToInt(M m) {
    return xsimd::bitwise_cast<I>(xsimd::bitwise_cast(m));
  }
};

// Scatter-increments idx[0, n) (n a multiple of 4) into kNumSubHist rows.
inline constexpr int kBlock = 256;

}  // namespace detail

template <class Arch>
int64_t MinMaxKernel::operator()(Arch, const float* x, int64_t n,
                                 uint32_t flags, MinMaxLanes* lanes) const {
  using O = detail::Ops<Arch>;
  using F = typename O::F;
  using I = typename O::I;
  constexpr int64_t kL = F::size;
  const int64_t done = n - n % kL;
  F mn = F::load_unaligned(lanes->min);
  F mx = F::load_unaligned(lanes->max);
  I cnan = I::load_unaligned(lanes->num_nan);
  I cinf = I::load_unaligned(lanes->num_inf);
  const F inf = O::Inf();
  const bool finite_only = (flags & kMinMaxFiniteOnly) != 0;
  const bool count = (flags & kMinMaxCount) != 0;
  if (!finite_only && !count) {
    // Hot path: two independent accumulator pairs.
    F mn1 = mn, mx1 = mx;
    int64_t i = 0;
    for (; i + 2 * kL <= done; i += 2 * kL) {
      const F a = F::load_unaligned(x + i);
      const F b = F::load_unaligned(x + i + kL);
      mn = O::MinFold(a, mn);
      mx = O::MaxFold(a, mx);
      mn1 = O::MinFold(b, mn1);
      mx1 = O::MaxFold(b, mx1);
    }
    for (; i < done; i += kL) {
      const F a = F::load_unaligned(x + i);
      mn = O::MinFold(a, mn);
      mx = O::MaxFold(a, mx);
    }
    mn = O::MinFold(mn1, mn);
    mx = O::MaxFold(mx1, mx);
  } else {
    for (int64_t i = 0; i < done; i += kL) {
      const F a = F::load_unaligned(x + i);
      const F abs_a = xsimd::abs(a);
      if (count) {
        cnan = cnan - O::MaskToInt(xsimd::isnan(a));
        cinf = cinf - O::MaskToInt(abs_a == inf);
      }
      if (finite_only) {
        const auto finite = abs_a < inf;
        mn = O::MinFold(xsimd::select(finite, a, inf), mn);
        mx = O::MaxFold(xsimd::select(finite, a, -inf), mx);
      } else {
        mn = O::MinFold(a, mn);
        mx = O::MaxFold(a, mx);
      }
    }
  }
  mn.store_unaligned(lanes->min);
  mx.store_unaligned(lanes->max);
  cnan.store_unaligned(lanes->num_nan);
  cinf.store_unaligned(lanes->num_inf);
  return done;
}

template <class Arch>
int64_t MinMaxColumnsKernel::operator()(Arch, const float* x, int64_t n,
                                        float* acc_min, float* acc_max) const {
  using O = detail::Ops<Arch>;
  using F = typename O::F;
  constexpr int64_t kL = F::size;
  const int64_t done = n - n % kL;
  for (int64_t i = 0; i < done; i += kL) {
    const F a = F::load_unaligned(x + i);
    O::MinFold(a, F::load_unaligned(acc_min + i)).store_unaligned(acc_min + i);
    O::MaxFold(a, F::load_unaligned(acc_max + i)).store_unaligned(acc_max + i);
  }
  return done;
}

namespace detail {

// Shared scatter loop: `index(i)` writes the bucket indices of one batch
// starting at x + i into idx.
template <class Arch, class IndexFn>
int64_t BinBlocks(int64_t n, int32_t num_buckets, uint32_t* sub,
                  IndexFn index) {
  constexpr int64_t kL = xsimd::batch<float, Arch>::size;
  const int64_t done = n - n % kL;
  const int64_t row = num_buckets + 1;
  uint32_t* h0 = sub;
  uint32_t* h1 = sub + row;
  uint32_t* h2 = sub + 2 * row;
  uint32_t* h3 = sub + 3 * row;
  alignas(64) int32_t idx[kBlock];
  for (int64_t b = 0; b < done; b += kBlock) {
    const int64_t len = done - b < kBlock ? done - b : kBlock;
    for (int64_t j = 0; j < len; j += kL) index(b + j, idx + j);
    int64_t j = 0;
    for (; j + 4 <= len; j += 4) {
      ++h0[idx[j]];
      ++h1[idx[j + 1]];
      ++h2[idx[j + 2]];
      ++h3[idx[j + 3]];
    }
    for (; j < len; ++j) ++h0[idx[j]];
  }
  return done;
}

}  // namespace detail

template <class Arch>
int64_t RoundedBinKernel::operator()(Arch, const float* x, int64_t n,
                                     float width, float offset,
                                     int32_t num_buckets, uint32_t* sub) const {
  using O = detail::Ops<Arch>;
  using F = typename O::F;
  const F w(width), off(offset), half(0.5f), one(1.0f), zero(0.0f);
  const F nb(static_cast<float>(num_buckets));
  return detail::BinBlocks<Arch>(
      n, num_buckets, sub, [&](int64_t i, int32_t* out) {
        const F t = F::load_unaligned(x + i) / w - off;
        // RoundHalfAway (reference.h): trunc, then away from zero on >= .5.
        const F tr = xsimd::trunc(t);
        const F r = xsimd::select(xsimd::abs(t - tr) >= half,
                                  tr + xsimd::copysign(one, t), tr);
        const F sel = xsimd::select((r >= zero) & (r < nb), r, nb);
        xsimd::to_int(sel).store_aligned(out);
      });
}

template <class Arch>
int64_t LinearBinKernel::operator()(Arch, const float* x, int64_t n, float lo,
                                    float hi, int32_t num_bins,
                                    uint32_t* sub) const {
  using O = detail::Ops<Arch>;
  using F = typename O::F;
  const F vlo(lo), vhi(hi), range(hi - lo), zero(0.0f);
  const F nf(static_cast<float>(num_bins));
  const F last(static_cast<float>(num_bins - 1));
  return detail::BinBlocks<Arch>(
      n, num_bins, sub, [&](int64_t i, int32_t* out) {
        const F a = F::load_unaligned(x + i);
        const F t = ((a - vlo) * nf) / range;
        F sel = xsimd::select(t < last, t, last);
        sel = xsimd::select(a > vhi, last, sel);
        sel = xsimd::select(a < vlo, zero, sel);
        sel = xsimd::select(xsimd::isnan(a), nf, sel);
        // Truncating conversion: sel is in [0,
        // num_bins].
        xsimd::to_int(sel).store_aligned(out);
      });
}

}  // namespace quantsim::kernels::stats_internal
