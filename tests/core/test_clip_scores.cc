// Clip-level scores by late fusion (mean of the windows' probabilities): hand-computed goldens,
// ties, clips of unequal window counts interleaved, the one-window-per-clip identity, refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "common/error.h"
#include "eval/clip_scores.h"

namespace edge::eval {
namespace {

TEST(ClipScores, MeanOfWindowProbabilitiesHandComputed) {
  // Three classes; clips a (3 windows, class 0), b (1 window, class 2), c (2 windows, class 1),
  // their windows interleaved: grouping is by id, not by adjacency.
  const std::vector<std::string> clips = {"a", "c", "a", "b", "c", "a"};
  const std::vector<int32_t> labels = {0, 1, 0, 2, 1, 0};
  const std::vector<float> p = {
      0.7f, 0.2f, 0.1f,  // a
      0.6f, 0.3f, 0.1f,  // c: window says 0
      0.1f, 0.6f, 0.3f,  // a: window says 1
      0.2f, 0.5f, 0.3f,  // b: says 1 (wrong)
      0.2f, 0.7f, 0.1f,  // c
      0.4f, 0.3f, 0.3f,  // a
  };
  const ClipScores s = score_clips(clips, labels, p, 3);
  ASSERT_EQ(s.clips, (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(s.labels, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(s.windows, (std::vector<int32_t>{3, 2, 1}));
  // a: (1.2, 1.1, 0.7) / 3 -> class 0; c: (0.8, 1.0, 0.2) / 2 -> class 1; b: as its window.
  const std::vector<float> expected = {0.4f, 1.1f / 3, 0.7f / 3, 0.4f, 0.5f,
                                       0.1f, 0.2f,     0.5f,     0.3f};
  ASSERT_EQ(s.probabilities.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(s.probabilities[i], expected[i], 1e-6) << i;
  EXPECT_EQ(s.predicted, (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(s.metrics.samples, 3);
  EXPECT_NEAR(s.metrics.accuracy, 2.0 / 3.0, 1e-12);
  // Cross-entropy of the true class's mean probability: a 0.4, c 0.5, b 0.3.
  EXPECT_NEAR(s.metrics.loss, -(std::log(0.4) + std::log(0.5) + std::log(0.3)) / 3, 1e-6);
  // By clip: class 0 predicted once (right), class 1 twice (once right), class 2 never.
  EXPECT_DOUBLE_EQ(s.metrics.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(s.metrics.per_class[0].recall, 1.0);
  EXPECT_DOUBLE_EQ(s.metrics.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(s.metrics.per_class[1].recall, 1.0);
  EXPECT_NEAR(s.metrics.per_class[1].f1, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.metrics.per_class[2].precision, 0.0);
  EXPECT_DOUBLE_EQ(s.metrics.per_class[2].recall, 0.0);
  EXPECT_EQ(s.metrics.per_class[2].support, 1);
  EXPECT_EQ(s.metrics.confusion,
            (std::vector<std::vector<int64_t>>{{1, 0, 0}, {0, 1, 0}, {0, 1, 0}}));
}

TEST(ClipScores, AveragesProbabilitiesNotVotes) {
  // Two of three windows vote for class 1, but the mean probability favours class 0.
  const ClipScores s =
      score_clips({"x", "x", "x"}, {0, 0, 0}, {0.9f, 0.1f, 0.4f, 0.6f, 0.45f, 0.55f}, 2);
  ASSERT_EQ(s.predicted.size(), 1u);
  EXPECT_EQ(s.predicted[0], 0);  // (1.75, 1.25) / 3
  EXPECT_DOUBLE_EQ(s.metrics.accuracy, 1.0);
}

TEST(ClipScores, TieGoesToTheFirstClass) {
  // Means (0.5, 0.5) in either window order: class 0, as window argmax breaks ties.
  const ClipScores s = score_clips({"t", "t", "u", "u"}, {1, 1, 0, 0},
                                   {0.6f, 0.4f, 0.4f, 0.6f, 0.4f, 0.6f, 0.6f, 0.4f}, 2);
  EXPECT_FLOAT_EQ(s.probabilities[0], 0.5f);
  EXPECT_FLOAT_EQ(s.probabilities[1], 0.5f);
  EXPECT_EQ(s.predicted, (std::vector<int32_t>{0, 0}));
  EXPECT_DOUBLE_EQ(s.metrics.accuracy, 0.5);  // t (class 1) wrong, u (class 0) right
}

TEST(ClipScores, OneWindowPerClipGivesTheWindowFigures) {
  const std::vector<int32_t> labels = {0, 1, 2, 1};
  const std::vector<float> p = {0.5f, 0.3f, 0.2f, 0.1f, 0.1f, 0.8f,
                                0.2f, 0.2f, 0.6f, 0.3f, 0.6f, 0.1f};
  const ClipScores s = score_clips({"a", "b", "c", "d"}, labels, p, 3);
  std::vector<float> log_p;
  for (float v : p) log_p.push_back(std::log(v));
  const Metrics windows = compute_metrics_from_logits(labels, log_p, 3);
  EXPECT_EQ(s.metrics.confusion, windows.confusion);
  EXPECT_DOUBLE_EQ(s.metrics.accuracy, windows.accuracy);
  EXPECT_NEAR(s.metrics.loss, windows.loss, 1e-6);
  EXPECT_DOUBLE_EQ(s.metrics.macro_f1, windows.macro_f1);
}

TEST(ClipScores, NoWindowsNoClips) {
  const ClipScores s = score_clips({}, {}, {}, 3);
  EXPECT_TRUE(s.clips.empty());
  EXPECT_EQ(s.metrics.samples, 0);
  EXPECT_DOUBLE_EQ(s.metrics.accuracy, 0.0);
}

void expect_error(const std::function<void()>& call, const std::string& text) {
  try {
    call();
    ADD_FAILURE() << "no error, expected: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(ClipScores, RefusesWhatCannotBeScored) {
  expect_error(
      [] {
        score_clips({"a", "a"}, {0, 1}, {0.5f, 0.5f, 0.5f, 0.5f}, 2);
      },
      "clip a has windows of classes 0 and 1 (window 1)");
  expect_error([] { score_clips({"a"}, {0, 1}, {0.5f, 0.5f}, 2); }, "1 clip ids but 2 labels");
  expect_error(
      [] {
        score_clips({"a"}, {0}, {0.5f, 0.5f, 0.0f}, 2);
      },
      "3 probabilities for 1 windows of 2 classes (expected 2)");
  expect_error([] { score_clips({"a"}, {2}, {0.5f, 0.5f}, 2); }, "label 2 out of range [0, 2)");
  expect_error(
      [] {
        score_clips({"a"}, {0}, {std::nanf(""), 0.5f}, 2);
      },
      "window 0 (clip a) has probability nan for class 0");
  expect_error([] { score_clips({"a"}, {0}, {-0.1f, 0.5f}, 2); }, "has probability -0.1");
  expect_error([] { score_clips({}, {}, {}, 0); }, "classes must be >= 1");
}

}  // namespace
}  // namespace edge::eval
