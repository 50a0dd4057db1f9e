// Classification metrics against numbers worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "eval/metrics.h"

namespace edge::eval {
namespace {

// truth/predicted pairs giving the confusion matrix
//   [2 1 0]
//   [1 2 0]
//   [0 1 3]
const std::vector<int32_t> kLabels = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
const std::vector<int32_t> kPredicted = {0, 0, 1, 1, 0, 1, 2, 1, 2, 2};

TEST(Metrics, ThreeClassGoldenByHand) {
  const Metrics m = compute_metrics(kLabels, kPredicted, 3);
  EXPECT_EQ(m.samples, 10);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{2, 1, 0}, {1, 2, 0}, {0, 1, 3}}));
  EXPECT_DOUBLE_EQ(m.accuracy, 0.7);
  // Column sums 3, 4, 3; row sums 3, 3, 4.
  EXPECT_DOUBLE_EQ(m.per_class[0].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(m.per_class[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(m.per_class[0].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.per_class[1].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.per_class[2].recall, 0.75);
  EXPECT_NEAR(m.per_class[0].f1, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.per_class[1].f1, 4.0 / 7.0, 1e-12);
  EXPECT_NEAR(m.per_class[2].f1, 6.0 / 7.0, 1e-12);
  EXPECT_EQ(m.per_class[2].support, 4);
  EXPECT_NEAR(m.macro_precision, 13.0 / 18.0, 1e-12);
  EXPECT_NEAR(m.macro_recall, 25.0 / 36.0, 1e-12);
  EXPECT_NEAR(m.macro_f1, 44.0 / 63.0, 1e-12);
  EXPECT_TRUE(std::isnan(m.loss));
}

TEST(Metrics, ClassNeverPredictedScoresZeroAndCountsInMacro) {
  // Class 2 has two samples but is never predicted: precision 0/0 := 0,
  // recall 0/2 = 0, F1 0; classes 0 and 1 are perfect in precision.
  const Metrics m = compute_metrics({0, 1, 2, 2}, {0, 1, 1, 1}, 3);
  EXPECT_DOUBLE_EQ(m.per_class[2].precision, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[2].recall, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[2].f1, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[1].precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.macro_precision, (1.0 + 1.0 / 3.0 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.macro_recall, (1.0 + 1.0 + 0.0) / 3.0);
}

TEST(Metrics, ClassAbsentFromDataAndEmptyInput) {
  const Metrics absent = compute_metrics({0, 1}, {0, 1}, 3);
  EXPECT_EQ(absent.per_class[2].support, 0);
  EXPECT_DOUBLE_EQ(absent.per_class[2].recall, 0.0);  // 0/0 := 0
  EXPECT_DOUBLE_EQ(absent.accuracy, 1.0);
  EXPECT_NEAR(absent.macro_f1, 2.0 / 3.0, 1e-12);

  const Metrics empty = compute_metrics({}, {}, 2);
  EXPECT_EQ(empty.samples, 0);
  EXPECT_DOUBLE_EQ(empty.accuracy, 0.0);

  const Metrics one = compute_metrics({0}, {0}, 1);
  EXPECT_DOUBLE_EQ(one.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(one.macro_f1, 1.0);
}

TEST(Metrics, LossAndArgmaxFromLogits) {
  // Sample 0: logits (0, 0), label 0: p = 1/2, loss ln 2; argmax takes the first.
  // Sample 1: logits (ln 3, 0), label 0: p = 3/4, loss -ln 0.75.
  const float ln3 = float(std::log(3.0));
  const Metrics m = compute_metrics_from_logits({0, 0}, {0.0f, 0.0f, ln3, 0.0f}, 2);
  EXPECT_NEAR(m.loss, (std::log(2.0) - std::log(0.75)) / 2.0, 1e-6);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
  // Very large logits do not overflow.
  const Metrics big = compute_metrics_from_logits({1}, {1000.0f, 0.0f}, 2);
  EXPECT_NEAR(big.loss, 1000.0, 1e-3);
}

TEST(Metrics, RefusesBadInput) {
  EXPECT_THROW(ConfusionMatrix(0), Error);
  EXPECT_THROW(compute_metrics({0, 1}, {0}, 2), Error);
  try {
    compute_metrics({0, 3}, {0, 1}, 2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(compute_metrics_from_logits({0}, {0.0f}, 2), Error);
  EXPECT_THROW(compute_metrics_from_logits({0}, {std::numeric_limits<float>::quiet_NaN(), 0.0f}, 2),
               Error);
  EXPECT_THROW(compute_metrics_from_logits({0}, {std::numeric_limits<float>::infinity(), 0.0f}, 2),
               Error);
}

}  // namespace
}  // namespace edge::eval
