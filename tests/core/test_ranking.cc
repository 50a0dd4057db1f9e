// top_indices: best first, ties by lower index, for float scores and double sums alike.
#include <gtest/gtest.h>

#include <vector>

#include "post/ranking.h"

namespace edge::post {
namespace {

TEST(Ranking, BestFirstTiesByIndex) {
  const float s[5] = {0.1f, 0.3f, 0.3f, 0.05f, 0.25f};
  std::vector<int> top;
  top_indices(s, 5, 3, &top);
  EXPECT_EQ(top, (std::vector<int>{1, 2, 4}));
  top_indices(s, 5, 10, &top);  // k beyond count: all of them
  EXPECT_EQ(top, (std::vector<int>{1, 2, 4, 0, 3}));
}

TEST(Ranking, EqualScoresKeepIndexOrderWhereverTheyAre) {
  // The tied best classes are last and out of order in the input; the lower index still wins.
  const double sums[6] = {0.1, 0.5, 0.2, 0.9, 0.2, 0.9};
  std::vector<int> top;
  top_indices(sums, 6, 4, &top);
  EXPECT_EQ(top, (std::vector<int>{3, 5, 1, 2}));
  const float equal[4] = {0.25f, 0.25f, 0.25f, 0.25f};
  top_indices(equal, 4, 4, &top);
  EXPECT_EQ(top, (std::vector<int>{0, 1, 2, 3}));
  top_indices(equal, 4, 0, &top);
  EXPECT_TRUE(top.empty());
}

}  // namespace
}  // namespace edge::post
