#include "kernels/cpu/fake_quant_grad/range_learning_backward.h"

#include <assert.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/fake_quant_grad/grad_kernel.h"

namespace quantsim::kernels {
namespace {

using fq_grad_internal::LearnedGrid;
using fq_grad_internal::LearnedGridKernel;

// One contiguous run of one channel: SIMD body, scalar tail, both adding to
// *acc in a fixed order.
void Run(engine::Isa isa, const float* x, const float* dy, float* dx,
         float* x_hat, int64_t n, const RangeGradGrid& p, bool half_even,
         RangeGradSums* acc) {
  int64_t done = 0;
  if (isa != engine::Isa::kScalar) {
    const LearnedGrid g{p.scale, p.offset, p.qlo, p.qhi, half_even};
    switch (isa) {
      case engine::Isa::kSse2:
        done = LearnedGridKernel{}(xsimd::sse2{}, x, dy, dx, x_hat, n, g,
                                   &acc->s, &acc->o);
        break;
      case engine::Isa::kAvx2:
        done = LearnedGridKernel{}(xsimd::avx2{}, x, dy, dx, x_hat, n, g,
                                   &acc->s, &acc->o);
        break;
      case engine::Isa::kAvx512:
        done = LearnedGridKernel{}(xsimd::avx512bw{}, x, dy, dx, x_hat, n, g,
                                   &acc->s, &acc->o);
        break;
      case engine::Isa::kScalar:
        break;
    }
  }
  for (int64_t i = done; i < n; ++i) {
    RangeGradElement(x[i], dy[i], p, half_even,
                     dx == nullptr ? nullptr : dx + i,
                     x_hat == nullptr ? nullptr : x_hat + i, acc);
  }
}

}  // namespace

void RangeLearnBackwardSums(const float* x, const float* dy,
                            const QdqLayout& layout, const RangeGradGrid* grids,
                            bool half_even, float* dx, float* x_hat,
                            RangeGradSums* sums, engine::ThreadPool* pool,
                            engine::Isa isa, int64_t chunk) {
  assert(layout.block == 1 && !layout.vary_outer && !layout.vary_inner);
  assert(chunk >= 1);
  if (!engine::IsaSupported(isa)) isa = engine::Isa::kScalar;
  const int64_t channels = layout.axis;
  const int64_t inner = layout.inner;
  const int64_t m = layout.outer * inner;  // elements per channel
  const int64_t per_channel = engine::NumChunks(m, chunk);
  const int64_t tasks = channels * per_channel;
  std::vector<RangeGradSums> partial(static_cast<size_t>(tasks));
  // Group small tasks so one ParallelFor chunk holds about `chunk` elements;
  // the grouping does not affect any sum.
  const int64_t task_grain =
      std::max<int64_t>(1, chunk / std::max<int64_t>(1, std::min(m, chunk)));
  engine::ParallelFor(pool, tasks, task_grain, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      const int64_t a = t / per_channel;
      const int64_t j1 = std::min(m, (t % per_channel + 1) * chunk);
      RangeGradSums acc;
      for (int64_t j = (t % per_channel) * chunk; j < j1;) {
        const int64_t o = j / inner;
        const int64_t i = j - o * inner;
        const int64_t len = std::min(inner - i, j1 - j);
        const int64_t at = (o * channels + a) * inner + i;
        Run(isa, x + at, dy + at, dx == nullptr ? nullptr : dx + at,
            x_hat == nullptr ? nullptr : x_hat + at, len, grids[a], half_even,
            &acc);
        j += len;
      }
      partial[static_cast<size_t>(t)] = acc;
    }
  });
  for (int64_t a = 0; a < channels; ++a) {
    RangeGradSums total;
    for (int64_t k = 0; k < per_channel; ++k) {
      const RangeGradSums& p =
          partial[static_cast<size_t>(a * per_channel + k)];
      total.s += p.s;
      total.o += p.o;
    }
    sums[a] = total;
  }
}

void RangeLearnBackward(const float* x, const float* dy,
                        const QdqLayout& layout, const float* enc_min,
                        const float* enc_max, const RangeGradConfig& config,
                        float* dx, float* dmin, float* dmax, float* x_hat,
                        engine::ThreadPool* pool, engine::Isa isa,
                        int64_t chunk) {
  const int64_t channels = layout.axis;
  std::vector<RangeGradGrid> grids(static_cast<size_t>(channels));
  for (int64_t a = 0; a < channels; ++a) {
    grids[a] = MakeRangeGradGrid(enc_min[a], enc_max[a], config);
  }
  std::vector<RangeGradSums> sums(static_cast<size_t>(channels));
  RangeLearnBackwardSums(x, dy, layout, grids.data(),
                         config.rounding == RoundingMode::kHalfToEven, dx,
                         x_hat, sums.data(), pool, isa, chunk);
  for (int64_t a = 0; a < channels; ++a) {
    const RangeGradGrid& g = grids[a];
    dmin[a] =
        static_cast<float>(g.dmin_ds * sums[a].s + g.dmin_dso * sums[a].o);
    dmax[a] =
        static_cast<float>(g.dmax_ds * sums[a].s + g.dmax_dso * sums[a].o);
  }
}

}  // namespace quantsim::kernels
