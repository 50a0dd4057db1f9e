// Open-set label rules: conventional background names found case-insensitively and in the
// model's order, explicit lists checked against the labels.
#include <gtest/gtest.h>

#include "common/error.h"
#include "post/open_set.h"

using edge::post::conventional_background_labels;
using edge::post::parse_background_labels;

TEST(OpenSet, FindsConventionalBackgroundLabels) {
  // micro_speech's labels, and a model trained with a background class.
  EXPECT_EQ(conventional_background_labels({"silence", "unknown", "yes", "no"}),
            (std::vector<std::string>{"silence", "unknown"}));
  EXPECT_EQ(conventional_background_labels({"Background", "siren", "_background_noise_"}),
            (std::vector<std::string>{"Background", "_background_noise_"}));
  EXPECT_TRUE(conventional_background_labels({"gun_shot", "dog_bark", "noisy"}).empty());
}

TEST(OpenSet, ParsesAnExplicitList) {
  const std::vector<std::string> labels = {"street", "siren", "dog_bark"};
  EXPECT_EQ(parse_background_labels("street", labels), (std::vector<std::string>{"street"}));
  EXPECT_EQ(parse_background_labels("street,dog_bark,", labels),
            (std::vector<std::string>{"street", "dog_bark"}));
  EXPECT_TRUE(parse_background_labels("", labels).empty());
  try {
    parse_background_labels("street,car", labels);
    FAIL() << "an unknown label was accepted";
  } catch (const edge::Error& e) {
    EXPECT_STREQ(e.what(),
                 "background class \"car\" is not one of the model's labels (street, siren, "
                 "dog_bark)");
  }
}
