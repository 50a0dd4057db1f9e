// Classification metrics: accuracy, mean loss, confusion matrix and per-class
// precision, recall and F1 with their macro averages (the thesis's table).
//
// Conventions
//   Confusion matrix: counts[true][predicted], classes 0..N-1 (rows are the
//   true class, as scikit-learn and the thesis print it).
//   precision_c = TP / (TP + FP), recall_c = TP / (TP + FN),
//   F1_c = 2 P R / (P + R). A ratio whose denominator is 0 (a class never
//   predicted, a class absent from the data, or P = R = 0) is defined as 0,
//   as scikit-learn's zero_division=0 does, and the class still counts in the
//   macro average (the mean over all N classes), so a class the model never
//   predicts pulls the macro scores down instead of vanishing from them.
//   Accuracy of no samples is 0.
//   Loss: mean categorical cross-entropy of the softmax of the logits, natural
//   log (as the trainer's loss).
// Errors: a label or prediction outside [0, N), N < 1, or mismatched lengths
// throw edge::Error naming the sample. Functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge::eval {

// Keras's backend epsilon: probabilities are clipped at it before a log (the engine's window
// scores, and clip scores' loss), as Keras's categorical cross-entropy does.
constexpr double kProbabilityEpsilon = 1e-7;

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes);  // classes >= 1
  void add(int truth, int predicted);
  int classes() const { return classes_; }
  int64_t count(int truth, int predicted) const {
    return counts_[size_t(truth) * size_t(classes_) + size_t(predicted)];
  }
  int64_t total() const { return total_; }
  int64_t true_positives(int c) const { return count(c, c); }
  int64_t row_sum(int truth) const;         // samples of the class (TP + FN)
  int64_t column_sum(int predicted) const;  // predictions of the class (TP + FP)

 private:
  int classes_;
  std::vector<int64_t> counts_;
  int64_t total_ = 0;
};

struct ClassScores {
  double precision = 0.0, recall = 0.0, f1 = 0.0;
  int64_t support = 0;  // samples of the class
};

struct Metrics {
  int64_t samples = 0;
  double accuracy = 0.0;
  double loss = 0.0;  // NaN when no logits were given
  std::vector<ClassScores> per_class;
  double macro_precision = 0.0, macro_recall = 0.0, macro_f1 = 0.0;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
};

// Scores from a confusion matrix (loss left NaN).
Metrics metrics_from_confusion(const ConfusionMatrix& confusion);

// Scores of predicted vs true classes.
Metrics compute_metrics(const std::vector<int32_t>& labels, const std::vector<int32_t>& predicted,
                        int classes);

// Same from logits [samples x classes] row-major: prediction = argmax (first
// on ties), loss = mean cross-entropy. A non-finite logit throws naming the sample.
Metrics compute_metrics_from_logits(const std::vector<int32_t>& labels,
                                    const std::vector<float>& logits, int classes);

}  // namespace edge::eval
