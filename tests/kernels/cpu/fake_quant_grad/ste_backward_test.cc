#include "kernels/cpu/fake_quant_grad/ste_backward.h"

#include <stdint.h>

#include <vector>

#include "engine/thread_pool.h"
#include "gtest/gtest.h"
#include "tests/kernels/cpu/fake_quant_grad/test_util.h"

namespace quantsim::kernels {
namespace {

using engine::Isa;
using testing::AllIsas;
using testing::ExpectBitEqual;

#define SKIP_IF_UNSUPPORTED(isa)                                          \
  if (!engine::IsaSupported(isa)) {                                       \
    GTEST_SKIP() << engine::IsaName(isa) << " not supported on this CPU"; \
  }

TEST(SteBackward, HandCase) {
  // Clipped elements give exactly +0 even for inf/NaN dy; kept ones pass dy.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> dy = {1.5f, -2.0f, inf, NAN, -0.0f, 7.0f};
  const std::vector<uint8_t> mask = {1, 0, 0, 0, 1, 1};
  for (Isa isa : AllIsas()) {
    if (!engine::IsaSupported(isa)) continue;
    std::vector<float> dx(dy.size(), 99.0f);
    QdqSteBackward(dy.data(), mask.data(), dx.data(), dx.size(), nullptr, isa);
    ExpectBitEqual({1.5f, 0.0f, 0.0f, 0.0f, -0.0f, 7.0f}, dx,
                   engine::IsaName(isa));
  }
}

class SteIsaTest : public ::testing::TestWithParam<Isa> {};

TEST_P(SteIsaTest, MaskVariantMatchesScalarBitExact) {
  SKIP_IF_UNSUPPORTED(GetParam());
  for (size_t n : {0, 1, 3, 15, 16, 17, 33, 100003}) {
    std::vector<float> dy = testing::Uniform(n, -3.0f, 3.0f, 7 + n);
    testing::SprinkleSpecials(&dy, 1.0f, -4.0f, 4.0f);
    std::vector<uint8_t> mask(n);
    for (size_t i = 0; i < n; ++i) mask[i] = (i * 2654435761u >> 7) % 3 != 0;
    std::vector<float> want(n), got(n);
    for (size_t i = 0; i < n; ++i) want[i] = SteGradValue(dy[i], mask[i]);
    engine::ThreadPool pool(3);
    QdqSteBackward(dy.data(), mask.data(), got.data(), n, &pool, GetParam());
    ExpectBitEqual(want, got, "dx");
    // In place: dx aliases dy.
    std::vector<float> inplace = dy;
    QdqSteBackward(inplace.data(), mask.data(), inplace.data(), n, nullptr,
                   GetParam());
    ExpectBitEqual(want, inplace, "dx in place");
  }
}

// Reference: QdqMaskValue of reference.h, element by element.
std::vector<float> RecomputeReference(const std::vector<float>& x,
                                      const std::vector<float>& dy,
                                      const QdqLayout& l,
                                      const std::vector<QdqParam>& params,
                                      const QdqConfig& c) {
  std::vector<float> dx(x.size());
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t a = 0; a < l.axis; ++a) {
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t e = (o * l.axis + a) * l.inner + i;
        const int64_t p = l.RunParamIndex(o, a) + (l.vary_inner ? i : 0);
        dx[e] = SteGradValue(dy[e], QdqMaskValue(x[e], params[p], c));
      }
    }
  }
  return dx;
}

TEST_P(SteIsaTest, RecomputeMatchesQdqMaskValue) {
  SKIP_IF_UNSUPPORTED(GetParam());
  std::vector<QdqLayout> layouts;
  layouts.push_back(PerTensorLayout(1031));
  layouts.push_back(PerTensorLayout(70001));  // several chunks
  QdqLayout per_channel;                      // [3, 5, 37], axis 1
  per_channel.outer = 3;
  per_channel.axis = 5;
  per_channel.inner = 37;
  layouts.push_back(per_channel);
  QdqLayout last_axis;  // [11, 6], per channel on the last axis
  last_axis.outer = 11;
  last_axis.inner = 6;
  last_axis.vary_inner = true;
  layouts.push_back(last_axis);
  QdqLayout blocked;  // AIMET blockwise [4, 10, 9], blocks of 4 along axis
  blocked.outer = 4;
  blocked.axis = 10;
  blocked.inner = 9;
  blocked.block = 4;
  blocked.vary_outer = true;
  layouts.push_back(blocked);
  for (RoundingMode rm :
       {RoundingMode::kHalfToEven, RoundingMode::kHalfAwayFromZero}) {
    for (const QdqLayout& l : layouts) {
      QdqConfig c;
      c.qmin = 0.0f;
      c.qmax = 15.0f;
      c.rounding = rm;
      std::vector<QdqParam> params;
      for (int64_t p = 0; p < l.NumParams(); ++p) {
        params.push_back(MakeQdqParam(0.25f + 0.125f * (p % 5),
                                      static_cast<float>(p % 9), c.qmin,
                                      c.qmax));
      }
      const int64_t n = l.NumElements();
      std::vector<float> x = testing::Uniform(n, -4.0f, 4.0f, 11 + n);
      testing::SprinkleSpecials(&x, 0.25f, -8.0f, 8.0f);
      const std::vector<float> dy = testing::Uniform(n, -1.0f, 1.0f, 5);
      const std::vector<float> want = RecomputeReference(x, dy, l, params, c);
      for (int threads : {1, 2, 3}) {
        engine::ThreadPool pool(threads);
        std::vector<float> got(n, 42.0f);
        QdqSteBackwardRecompute(x.data(), dy.data(), got.data(), l,
                                params.data(), c, &pool, GetParam());
        ExpectBitEqual(want, got, "dx");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, SteIsaTest, ::testing::ValuesIn(AllIsas()),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(engine::IsaName(info.param));
                         });

}  // namespace
}  // namespace quantsim::kernels
