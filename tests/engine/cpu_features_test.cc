#include "engine/cpu_features.h"

#include "gtest/gtest.h"

namespace quantsim::engine {
namespace {

TEST(CpuFeatures, ScalarAlwaysSupportedAndDefaultIsSupported) {
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  EXPECT_TRUE(IsaSupported(DefaultIsa()));
  std::vector<Isa> isas = SupportedIsas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::kScalar);
  std::printf("supported:");
  for (Isa i : isas) std::printf(" %s", IsaName(i));
  std::printf("; default %s (%s)\n", IsaName(DefaultIsa()),
              DefaultIsaReason().c_str());
}

TEST(CpuFeatures, WiderIsaImpliesNarrower) {
  const CpuFeatures f = DetectCpu();
  if (f.avx512) {
    EXPECT_TRUE(f.avx2);
  }
  if (f.avx2) {
    EXPECT_TRUE(f.sse2);
  }
}

TEST(CpuFeatures, ParseIsaRoundTripsAndRejectsUnknown) {
  for (Isa i : {Isa::kScalar, Isa::kSse2, Isa::kAvx2, Isa::kAvx512}) {
    absl::StatusOr<Isa> back = ParseIsa(IsaName(i));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, i);
  }
  EXPECT_EQ(ParseIsa("AVX2").value(), Isa::kAvx2);
  absl::StatusOr<Isa> bad = ParseIsa("neon");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("neon"), absl::string_view::npos);
}

}  // namespace
}  // namespace quantsim::engine
