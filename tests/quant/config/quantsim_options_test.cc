// ParseQuantScheme / QuantSchemeName / ValidateQuantSimOptions.
#include "quant/quantsim_options.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantsim::quant {
namespace {

using ::testing::HasSubstr;

TEST(QuantScheme, ParseAliasesAndRoundTrip) {
  EXPECT_EQ(*ParseQuantScheme("tf"), QuantScheme::kPostTrainingTf);
  EXPECT_EQ(*ParseQuantScheme("min_max"), QuantScheme::kPostTrainingTf);
  EXPECT_EQ(*ParseQuantScheme("Post_Training_TF_Enhanced"),
            QuantScheme::kPostTrainingTfEnhanced);
  EXPECT_EQ(*ParseQuantScheme("percentile"),
            QuantScheme::kPostTrainingPercentile);
  EXPECT_EQ(*ParseQuantScheme("training_range_learning_with_tf_enhanced_init"),
            QuantScheme::kTrainingRangeLearningWithTfEnhancedInit);
  for (QuantScheme s :
       {QuantScheme::kPostTrainingTf, QuantScheme::kPostTrainingTfEnhanced,
        QuantScheme::kPostTrainingPercentile,
        QuantScheme::kTrainingRangeLearningWithTfInit,
        QuantScheme::kTrainingRangeLearningWithTfEnhancedInit,
        QuantScheme::kSqnr, QuantScheme::kMse, QuantScheme::kEntropy}) {
    absl::StatusOr<QuantScheme> back = ParseQuantScheme(QuantSchemeName(s));
    ASSERT_TRUE(back.ok()) << QuantSchemeName(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_STREQ(QuantSchemeName(QuantScheme::kPostTrainingTf),
               "post_training_tf");
  absl::StatusOr<QuantScheme> bad = ParseQuantScheme("tf_enhancd");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown quant scheme 'tf_enhancd'"));
}

TEST(ValidateQuantSimOptions, AcceptsDefaultsAndLimits) {
  QuantSimOptions o;
  EXPECT_TRUE(ValidateQuantSimOptions(o).ok());
  o.default_output_bw = 32;
  o.default_param_bw = 2;
  EXPECT_TRUE(ValidateQuantSimOptions(o).ok());
  o.default_data_type = QuantDataType::kBFloat16;
  o.default_output_bw = o.default_param_bw = 16;
  EXPECT_TRUE(ValidateQuantSimOptions(o).ok());
}

TEST(ValidateQuantSimOptions, RejectsBadCombinations) {
  auto message = [](const QuantSimOptions& o) {
    absl::Status s = ValidateQuantSimOptions(o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  QuantSimOptions o;
  o.default_output_bw = 3;
  EXPECT_THAT(message(o), HasSubstr("default_output_bw"));
  o = {};
  o.default_param_bw = 33;
  EXPECT_THAT(message(o), HasSubstr("default_param_bw"));
  o = {};
  o.default_data_type = QuantDataType::kFloat16;  // with 8-bit widths
  EXPECT_THAT(message(o), HasSubstr("float requires"));
  o = {};
  o.percentile = 49.0;
  EXPECT_THAT(message(o), HasSubstr("percentile"));
  o.percentile = std::nan("");
  EXPECT_THAT(message(o), HasSubstr("percentile"));
  o = {};
  o.quant_scheme = static_cast<QuantScheme>(99);
  EXPECT_THAT(message(o), HasSubstr("quant_scheme"));
}

}  // namespace
}  // namespace quantsim::quant
