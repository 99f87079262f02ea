// MaxPoolForward without indices (the SIMD path for the columns whose window
// is inside the input) is bit-identical to the indexed walk, including NaN
// (first NaN wins), -inf, signed zeros and ties, over random geometries
// (ranks 1-3, strides 1-3, dilation 1-2, pads, ceil_mode), and thread
// invariant.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/cpu/pool/pool.h"

namespace quantsim::kernels {
namespace {

std::vector<float> Values(int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 39);
  std::uniform_int_distribution<int> small(-3, 3);  // many ties
  std::vector<float> v(n);
  for (float& f : v) {
    switch (kind(rng)) {
      case 0:
        f = std::numeric_limits<float>::quiet_NaN();
        break;
      case 1: {  // a NaN with another payload: the first one must win
        uint32_t bits = 0x7fc00001u + static_cast<uint32_t>(rng() % 1000);
        std::memcpy(&f, &bits, 4);
        break;
      }
      case 2:
        f = -std::numeric_limits<float>::infinity();
        break;
      case 3:
        f = -0.0f;
        break;
      default:
        f = static_cast<float>(small(rng)) * 0.5f;
    }
  }
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(MaxPoolNoIndex, BitIdenticalToIndexedWalk) {
  std::mt19937 rng(7);
  engine::ThreadPool pool(2);
  int checked = 0;
  for (int iter = 0; iter < 400; ++iter) {
    PoolParams p;
    p.spatial_rank = 1 + iter % 3;
    Dims xd;
    xd.rank = p.spatial_rank + 2;
    xd.d[0] = 1 + rng() % 2;
    xd.d[1] = 1 + rng() % 3;
    for (int i = 0; i < p.spatial_rank; ++i) {
      const bool last = i == p.spatial_rank - 1;
      xd.d[2 + i] = 1 + rng() % (last ? 70 : 9);
      p.kernel[i] = 1 + rng() % 4;
      p.stride[i] = 1 + rng() % 3;
      p.dilation[i] = 1 + rng() % 4 / 3;  // mostly 1
      const int64_t extent = (p.kernel[i] - 1) * p.dilation[i] + 1;
      p.pad_begin[i] = rng() % extent;
      p.pad_end[i] = rng() % extent;
    }
    p.ceil_mode = rng() % 2 == 0;
    absl::StatusOr<Dims> yd = PoolOutputDims(xd, p);
    if (!yd.ok()) continue;
    const std::vector<float> x = Values(xd.NumElements(), rng);
    const int64_t ny = yd->NumElements();
    std::vector<float> want(ny), got(ny, 1.0f), got2(ny, 2.0f);
    std::vector<int64_t> idx(ny);
    MaxPoolForward(x.data(), xd, p, want.data(), idx.data());
    MaxPoolForward(x.data(), xd, p, got.data(), nullptr);
    MaxPoolForward(x.data(), xd, p, got2.data(), nullptr, &pool);
    ASSERT_TRUE(SameBits(want, got)) << "iter " << iter;
    ASSERT_TRUE(SameBits(want, got2)) << "iter " << iter << " (2 threads)";
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

// ResNet's stem pool (3x3, stride 2, pad 1) on a wide input: mostly the
// vector path.
TEST(MaxPoolNoIndex, ResNetStem) {
  std::mt19937 rng(3);
  PoolParams p;
  p.kernel[0] = p.kernel[1] = 3;
  p.stride[0] = p.stride[1] = 2;
  p.pad_begin[0] = p.pad_begin[1] = p.pad_end[0] = p.pad_end[1] = 1;
  const Dims xd{2, 3, 112, 112};
  const std::vector<float> x = Values(xd.NumElements(), rng);
  const Dims yd = PoolOutputDims(xd, p).value();
  ASSERT_EQ(yd, (Dims{2, 3, 56, 56}));
  std::vector<float> want(yd.NumElements()), got(yd.NumElements());
  std::vector<int64_t> idx(yd.NumElements());
  MaxPoolForward(x.data(), xd, p, want.data(), idx.data());
  MaxPoolForward(x.data(), xd, p, got.data(), nullptr);
  EXPECT_TRUE(SameBits(want, got));
}

}  // namespace
}  // namespace quantsim::kernels
