#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "post/fuse.h"
#include "post/fuse_params.h"

namespace edge::post {
namespace {

std::string error_of(const std::string& text, size_t inputs) {
  try {
    fuse_weights(text, inputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FuseWeights, EmptyMeansEqual) {
  EXPECT_EQ(fuse_weights("", 3), (std::vector<double>{1.0, 1.0, 1.0}));
  EXPECT_EQ(fuse_weights(" 2, 1 ", 2), (std::vector<double>{2.0, 1.0}));
  EXPECT_EQ(fuse_weights("0,1", 2), (std::vector<double>{0.0, 1.0}));  // one branch muted
}

TEST(FuseWeights, RefusesNamingTheProperty) {
  EXPECT_NE(error_of("1,2,3", 2).find("weights=\"1,2,3\" gives 3 weights for 2 sink pads"),
            std::string::npos)
      << error_of("1,2,3", 2);
  EXPECT_NE(error_of("1,-1", 2).find("-1 is negative"), std::string::npos);
  EXPECT_EQ(error_of("1, -1.50", 2), "weights=\"1, -1.50\": -1.50 is negative");  // as written
  EXPECT_NE(error_of("0,0", 2).find("all weights are 0"), std::string::npos);
  EXPECT_NE(error_of("1,abc", 2).find("\"abc\" is not a number"), std::string::npos);
  EXPECT_NE(error_of("1,,2", 3).find("entry 2 is empty"), std::string::npos);
  EXPECT_NE(error_of("nan,1", 2).find("is not a number"), std::string::npos);
  EXPECT_EQ(check_fuse_weights(""), "");
  EXPECT_EQ(check_fuse_weights("1,2,3"), "");  // the count is checked when the pads are known
  EXPECT_NE(check_fuse_weights("-2"), "");
}

TEST(FuseScores, WeightedMean) {
  const float a[3] = {0.5f, 0.25f, 0.25f};
  const float b[3] = {0.0f, 1.0f, 0.0f};
  float out[3];
  fuse_scores({a, b}, {1.0, 1.0}, 3, out);
  EXPECT_FLOAT_EQ(out[0], 0.25f);
  EXPECT_FLOAT_EQ(out[1], 0.625f);
  EXPECT_FLOAT_EQ(out[2], 0.125f);
  fuse_scores({a, b}, {3.0, 1.0}, 3, out);  // 0.75 a + 0.25 b
  EXPECT_FLOAT_EQ(out[0], 0.375f);
  EXPECT_FLOAT_EQ(out[1], 0.4375f);
  EXPECT_FLOAT_EQ(out[2], 0.1875f);
}

TEST(FuseLabels, FirstInputNamesAndConflictsAreReported) {
  FuseLabels labels(2, 3);
  LabelConflict c;
  EXPECT_TRUE(labels.note(1, 2, "siren", &c));
  EXPECT_EQ(labels.name(2), "siren");  // only the second input named it
  EXPECT_TRUE(labels.note(0, 0, "dog_bark", &c));
  EXPECT_TRUE(labels.note(1, 0, "dog_bark", &c));
  EXPECT_TRUE(labels.note(0, 7, "out of range", &c));
  EXPECT_TRUE(labels.note(0, -1, "negative", &c));
  EXPECT_EQ(labels.name(7), "");
  EXPECT_FALSE(labels.note(0, 2, "drilling", &c));
  EXPECT_EQ(c.input_a, 0u);
  EXPECT_EQ(c.input_b, 1u);
  EXPECT_EQ(c.index, 2);
  EXPECT_EQ(c.label_a, "drilling");
  EXPECT_EQ(c.label_b, "siren");
}

TEST(FuseParams, TableDeclaresWeightsAndWindows) {
  const params::Table& t = fuse_params();
  EXPECT_EQ(t.element, "edgefuse");
  ASSERT_NE(t.find("weights"), nullptr);
  ASSERT_NE(t.find("windows"), nullptr);
  EXPECT_TRUE(t.find("windows")->statistic);
  params::Value v;
  EXPECT_NE(params::parse(*t.find("weights"), "1,-1", &v), "");
}

}  // namespace
}  // namespace edge::post
