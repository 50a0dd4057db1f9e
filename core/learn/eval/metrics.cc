#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace edge::eval {
namespace {

double ratio(int64_t numerator, int64_t denominator) {
  return denominator == 0 ? 0.0 : double(numerator) / double(denominator);
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(int classes) : classes_(classes) {
  if (classes < 1) throw Error(msg("confusion matrix: classes must be >= 1, got ", classes));
  counts_.assign(size_t(classes) * size_t(classes), 0);
}

void ConfusionMatrix::add(int truth, int predicted) {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_) {
    throw Error(msg("confusion matrix: class out of range [0, ", classes_, "): true ", truth,
                    ", predicted ", predicted));
  }
  ++counts_[size_t(truth) * size_t(classes_) + size_t(predicted)];
  ++total_;
}

int64_t ConfusionMatrix::row_sum(int truth) const {
  int64_t sum = 0;
  for (int p = 0; p < classes_; ++p) sum += count(truth, p);
  return sum;
}

int64_t ConfusionMatrix::column_sum(int predicted) const {
  int64_t sum = 0;
  for (int t = 0; t < classes_; ++t) sum += count(t, predicted);
  return sum;
}

Metrics metrics_from_confusion(const ConfusionMatrix& confusion) {
  const int n = confusion.classes();
  Metrics m;
  m.samples = confusion.total();
  m.loss = std::numeric_limits<double>::quiet_NaN();
  int64_t correct = 0;
  m.confusion.assign(size_t(n), std::vector<int64_t>(size_t(n), 0));
  for (int c = 0; c < n; ++c) {
    for (int p = 0; p < n; ++p) m.confusion[size_t(c)][size_t(p)] = confusion.count(c, p);
    correct += confusion.true_positives(c);
    ClassScores s;
    s.support = confusion.row_sum(c);
    s.precision = ratio(confusion.true_positives(c), confusion.column_sum(c));
    s.recall = ratio(confusion.true_positives(c), s.support);
    const double sum = s.precision + s.recall;
    s.f1 = sum == 0.0 ? 0.0 : 2.0 * s.precision * s.recall / sum;
    m.macro_precision += s.precision / n;
    m.macro_recall += s.recall / n;
    m.macro_f1 += s.f1 / n;
    m.per_class.push_back(s);
  }
  m.accuracy = ratio(correct, m.samples);
  return m;
}

Metrics compute_metrics(const std::vector<int32_t>& labels, const std::vector<int32_t>& predicted,
                        int classes) {
  if (labels.size() != predicted.size()) {
    throw Error(msg("metrics: ", labels.size(), " labels but ", predicted.size(), " predictions"));
  }
  ConfusionMatrix confusion(classes);
  for (size_t i = 0; i < labels.size(); ++i) {
    try {
      confusion.add(labels[i], predicted[i]);
    } catch (const Error& e) {
      throw Error(msg("metrics: sample ", i, ": ", e.what()));
    }
  }
  return metrics_from_confusion(confusion);
}

Metrics compute_metrics_from_logits(const std::vector<int32_t>& labels,
                                    const std::vector<float>& logits, int classes) {
  if (classes < 1) throw Error(msg("metrics: classes must be >= 1, got ", classes));
  if (logits.size() != labels.size() * size_t(classes)) {
    throw Error(msg("metrics: ", logits.size(), " logits for ", labels.size(), " samples of ",
                    classes, " classes (expected ", labels.size() * size_t(classes), ")"));
  }
  std::vector<int32_t> predicted(labels.size());
  double loss_sum = 0.0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = logits.data() + i * size_t(classes);
    for (int c = 0; c < classes; ++c) {
      if (!std::isfinite(row[c])) {
        throw Error(
            msg("metrics: sample ", i, " has a non-finite logit ", row[c], " for class ", c));
      }
    }
    const int best = int(std::max_element(row, row + classes) - row);
    predicted[i] = best;
    if (labels[i] < 0 || labels[i] >= classes) {
      throw Error(
          msg("metrics: sample ", i, ": label ", labels[i], " out of range [0, ", classes, ")"));
    }
    double sum = 0.0;
    for (int c = 0; c < classes; ++c) sum += std::exp(double(row[c]) - row[best]);
    loss_sum += std::log(sum) - (double(row[labels[i]]) - row[best]);
  }
  Metrics m = compute_metrics(labels, predicted, classes);
  m.loss =
      labels.empty() ? std::numeric_limits<double>::quiet_NaN() : loss_sum / double(labels.size());
  return m;
}

}  // namespace edge::eval
