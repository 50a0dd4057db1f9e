#include "post/label_smoother.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "post/ranking.h"

namespace edge::post {

LabelSmoother::LabelSmoother(size_t window, float threshold, size_t top_k)
    : window_(window), threshold_(threshold), top_k_(top_k) {
  if (window == 0) throw Error("label smoothing window must be at least 1 result, got 0");
  if (!(threshold >= 0.0f && threshold <= 1.0f))
    throw Error(msg("confidence threshold must be within [0, 1], got ", threshold));
  if (top_k == 0) throw Error("top-k must be at least 1, got 0");
}

void LabelSmoother::reset() {
  for (auto& row : history_) std::fill(row.begin(), row.end(), 0.0f);
  std::fill(sums_.begin(), sums_.end(), 0.0);
  filled_ = 0;
  next_ = 0;
}

const Decision& LabelSmoother::push(const std::vector<float>& scores,
                                    const std::vector<std::string>& labels) {
  if (scores.empty()) throw Error("a classification result with no class scores");
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw Error(msg("class ", i, " has a non-finite score ", scores[i]));
  if (sums_.empty()) {
    history_.assign(window_, std::vector<float>(scores.size(), 0.0f));
    sums_.assign(scores.size(), 0.0);
  } else if (scores.size() != sums_.size()) {
    throw Error(msg("the model gave ", scores.size(), " class scores after giving ", sums_.size(),
                    " before"));
  }
  // Replace the oldest result in the ring and keep per-class sums current.
  std::vector<float>& slot = history_[next_];
  for (size_t i = 0; i < scores.size(); ++i) {
    sums_[i] += static_cast<double>(scores[i]) - slot[i];
    slot[i] = scores[i];
  }
  next_ = (next_ + 1) % window_;
  filled_ = std::min(filled_ + 1, window_);

  top_indices(sums_.data(), sums_.size(), top_k_, &order_);
  const size_t k = order_.size();
  decision_.top.resize(k);
  for (size_t r = 0; r < k; ++r) {
    RankedClass& c = decision_.top[r];
    c.index = order_[r];
    c.score = static_cast<float>(sums_[order_[r]] / static_cast<double>(filled_));
    if (static_cast<size_t>(c.index) < labels.size())
      c.label = labels[c.index];
    else
      c.label = std::to_string(c.index);
  }
  decision_.background = std::find(background_.begin(), background_.end(),
                                   decision_.top[0].label) != background_.end();
  decision_.accepted = decision_.top[0].score >= threshold_ && !decision_.background;
  return decision_;
}

}  // namespace edge::post
