#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "post/label_smoother.h"

namespace edge::post {
namespace {

const std::vector<std::string> kLabels = {"flex", "punch", "idle"};

TEST(LabelSmoother, WindowOfOneIsTheRawRanking) {
  LabelSmoother s(1, 0.0f, 2);
  const Decision& d = s.push({0.2f, 0.7f, 0.1f}, kLabels);
  ASSERT_EQ(d.top.size(), 2u);
  EXPECT_EQ(d.top[0].label, "punch");
  EXPECT_FLOAT_EQ(d.top[0].score, 0.7f);
  EXPECT_EQ(d.top[1].label, "flex");
  EXPECT_TRUE(d.accepted);
}

TEST(LabelSmoother, AveragesOverTheLastKResults) {
  LabelSmoother s(3, 0.0f, 1);
  s.push({1.0f, 0.0f, 0.0f}, kLabels);  // flex
  s.push({0.0f, 1.0f, 0.0f}, kLabels);  // punch: mean flex 0.5, punch 0.5 -> tie to lower index
  EXPECT_EQ(s.push({0.0f, 1.0f, 0.0f}, kLabels).top[0].label, "punch");  // punch 2/3
  // The first (flex) result leaves the window of 3: punch 1.0 after one more.
  const Decision& d = s.push({0.0f, 1.0f, 0.0f}, kLabels);
  EXPECT_FLOAT_EQ(d.top[0].score, 1.0f);
}

TEST(LabelSmoother, PartialWindowAveragesOnlyWhatItHas) {
  LabelSmoother s(4, 0.0f, 3);
  const Decision& d = s.push({0.1f, 0.3f, 0.6f}, kLabels);
  EXPECT_FLOAT_EQ(d.top[0].score, 0.6f);  // not 0.6/4
  EXPECT_EQ(d.top[2].label, "flex");
}

TEST(LabelSmoother, ThresholdDecidesAcceptance) {
  LabelSmoother s(1, 0.8f, 1);
  EXPECT_FALSE(s.push({0.5f, 0.3f, 0.2f}, kLabels).accepted);
  EXPECT_TRUE(s.push({0.05f, 0.9f, 0.05f}, kLabels).accepted);
  EXPECT_TRUE(s.push({0.1f, 0.8f, 0.1f}, kLabels).accepted);  // equal to the threshold counts
}

TEST(LabelSmoother, TiesGoToTheLowerIndexAndMissingLabelsAreNumbered) {
  LabelSmoother s(1, 0.0f, 3);
  const Decision& d = s.push({0.25f, 0.5f, 0.25f}, {});
  EXPECT_EQ(d.top[0].label, "1");
  EXPECT_EQ(d.top[1].index, 0);
  EXPECT_EQ(d.top[2].index, 2);
}

TEST(LabelSmoother, TopKLargerThanClassCountIsClamped) {
  LabelSmoother s(2, 0.0f, 10);
  EXPECT_EQ(s.push({0.4f, 0.6f}, {"a", "b"}).top.size(), 2u);
}

TEST(LabelSmoother, ResetForgetsHistory) {
  LabelSmoother s(5, 0.0f, 1);
  for (int i = 0; i < 4; ++i) s.push({1.0f, 0.0f, 0.0f}, kLabels);
  s.reset();
  EXPECT_EQ(s.push({0.0f, 0.0f, 1.0f}, kLabels).top[0].label, "idle");
}

TEST(LabelSmoother, BackgroundClassesAreNeverAccepted) {
  LabelSmoother s(2, 0.5f, 2);
  s.set_background({"silence", "unknown"});
  const std::vector<std::string> labels = {"silence", "unknown", "yes", "no"};
  const Decision& a = s.push({0.9f, 0.0f, 0.1f, 0.0f}, labels);
  EXPECT_EQ(a.top[0].label, "silence");
  EXPECT_TRUE(a.background);
  EXPECT_FALSE(a.accepted);  // 0.9 >= 0.5, but silence is not an event
  const Decision& b = s.push({0.0f, 0.0f, 1.0f, 0.0f}, labels);  // smoothed: yes 0.55
  EXPECT_EQ(b.top[0].label, "yes");
  EXPECT_FALSE(b.background);
  EXPECT_TRUE(b.accepted);
  s.set_background({});
  s.reset();
  EXPECT_TRUE(s.push({0.9f, 0.0f, 0.1f, 0.0f}, labels).accepted);
}

TEST(LabelSmoother, RefusesBadConfigurationAndBadResults) {
  EXPECT_THROW(LabelSmoother(0, 0.5f, 1), Error);
  EXPECT_THROW(LabelSmoother(1, 1.5f, 1), Error);
  EXPECT_THROW(LabelSmoother(1, std::nanf(""), 1), Error);
  EXPECT_THROW(LabelSmoother(1, 0.5f, 0), Error);
  LabelSmoother s(2, 0.0f, 1);
  EXPECT_THROW(s.push({}, {}), Error);
  s.push({0.5f, 0.5f}, {});
  try {
    s.push({0.2f, 0.3f, 0.5f}, {});
    FAIL() << "a changed class count must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 class scores after giving 2"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(s.push({std::numeric_limits<float>::infinity(), 0.0f}, {}), Error);
}

}  // namespace
}  // namespace edge::post
