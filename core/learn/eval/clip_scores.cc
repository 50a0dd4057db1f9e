#include "eval/clip_scores.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/error.h"

namespace edge::eval {

ClipScores score_clips(const std::vector<std::string>& window_clips,
                       const std::vector<int32_t>& window_labels,
                       const std::vector<float>& window_probabilities, int classes) {
  if (classes < 1) throw Error(msg("clip scores: classes must be >= 1, got ", classes));
  if (window_labels.size() != window_clips.size())
    throw Error(msg("clip scores: ", window_clips.size(), " clip ids but ", window_labels.size(),
                    " labels"));
  const size_t k = size_t(classes);
  if (window_probabilities.size() != window_clips.size() * k)
    throw Error(msg("clip scores: ", window_probabilities.size(), " probabilities for ",
                    window_clips.size(), " windows of ", classes, " classes (expected ",
                    window_clips.size() * k, ")"));
  ClipScores out;
  std::unordered_map<std::string, size_t> index_of;
  std::vector<double> sums;  // [clips x classes], summed in window order
  for (size_t i = 0; i < window_clips.size(); ++i) {
    const int32_t label = window_labels[i];
    if (label < 0 || label >= classes)
      throw Error(msg("clip scores: window ", i, " (clip ", window_clips[i], "): label ", label,
                      " out of range [0, ", classes, ")"));
    const auto [it, added] = index_of.emplace(window_clips[i], out.clips.size());
    if (added) {
      out.clips.push_back(window_clips[i]);
      out.labels.push_back(label);
      out.windows.push_back(0);
      sums.resize(sums.size() + k, 0.0);
    } else if (out.labels[it->second] != label) {
      throw Error(msg("clip scores: clip ", window_clips[i], " has windows of classes ",
                      out.labels[it->second], " and ", label, " (window ", i,
                      "): a clip has one label"));
    }
    const size_t clip = it->second;
    ++out.windows[clip];
    for (size_t c = 0; c < k; ++c) {
      const float p = window_probabilities[i * k + c];
      if (!std::isfinite(p) || p < 0.0f)
        throw Error(msg("clip scores: window ", i, " (clip ", window_clips[i], ") has probability ",
                        p, " for class ", c));
      sums[clip * k + c] += double(p);
    }
  }
  const size_t clips = out.clips.size();
  out.probabilities.resize(clips * k);
  out.predicted.resize(clips);
  std::vector<double> mean(k), clipped(k);
  double loss_sum = 0.0;
  for (size_t clip = 0; clip < clips; ++clip) {
    double clipped_sum = 0.0;
    for (size_t c = 0; c < k; ++c) {
      mean[c] = sums[clip * k + c] / double(out.windows[clip]);
      out.probabilities[clip * k + c] = float(mean[c]);
      clipped[c] = std::max(mean[c], kProbabilityEpsilon);
      clipped_sum += clipped[c];
    }
    out.predicted[clip] = int32_t(std::max_element(mean.begin(), mean.end()) - mean.begin());
    loss_sum -= std::log(clipped[size_t(out.labels[clip])] / clipped_sum);
  }
  out.metrics = compute_metrics(out.labels, out.predicted, classes);
  if (clips > 0) out.metrics.loss = loss_sum / double(clips);
  return out;
}

}  // namespace edge::eval
