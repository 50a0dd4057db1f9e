// Turns a model's per-window scores into decisions a person can use.
//
// Real-time classifiers flicker: one window says "punch", the next "flex". The smoother
// averages each class's score over the last `window` results (a moving average of
// probabilities, the usual choice for keyword spotting and sound event detection), ranks the
// classes, and accepts the best one only when its smoothed score reaches `threshold` and it
// is not a background class (set_background: the classes a model was trained on to say "no
// event here", e.g. "background", "silence", "unknown"): background is not a detection.
//
// Not thread-safe; one instance per stream. push() does not allocate once the class count is
// known (the first push sizes the buffers).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace edge::post {

struct RankedClass {
  int index = -1;
  std::string label;
  float score = 0.0f;  // smoothed probability
};

struct Decision {
  std::vector<RankedClass> top;  // best first, at most top_k entries
  bool accepted = false;         // top[0].score >= threshold and top[0] is not background
  bool background = false;       // top[0] is a background class
};

class LabelSmoother {
 public:
  // window >= 1 results averaged; threshold in [0, 1]; top_k >= 1. Throws edge::Error otherwise.
  LabelSmoother(size_t window, float threshold, size_t top_k);

  // Scores for every class of one result (indexed by class); labels may be empty or one per
  // class. Throws edge::Error when the class count changes mid-stream or a score is not finite.
  const Decision& push(const std::vector<float>& scores, const std::vector<std::string>& labels);

  // Forget the history (a new clip, a new stream).
  void reset();

  // Labels whose classes mean "no event" (compared with the labels given to push). Empty: none.
  void set_background(const std::vector<std::string>& labels) { background_ = labels; }

  size_t window() const { return window_; }
  float threshold() const { return threshold_; }

 private:
  size_t window_;
  float threshold_;
  size_t top_k_;
  std::vector<std::vector<float>> history_;  // ring of the last `window_` score vectors
  std::vector<double> sums_;                 // per-class running sum over the ring
  size_t filled_ = 0;
  size_t next_ = 0;
  std::vector<int> order_;  // top_indices' output, reused across pushes
  Decision decision_;
  std::vector<std::string> background_;
};

}  // namespace edge::post
