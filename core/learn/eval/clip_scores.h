// Clip-level scores by late fusion: a clip's class probabilities are the mean of its windows'
// probabilities, and its prediction is their argmax. This is how a deployed classifier labels a
// whole recording and how UrbanSound8K results are published (Piczak 2015, Salamon & Bello
// 2017: per-clip accuracy from the mean of the frame/window predictions), so a figure compared
// with theirs must be a clip figure. Window scores stay what they are; this is a second view.
//
// Conventions
//   Windows are grouped by their clip id (store::LoadedDataset::clip); clips are listed in the
//   order their first window appears. A clip's label is its windows' label; windows of one clip
//   with different labels are an error naming the clip.
//   Prediction: argmax of the mean probabilities, first class on ties (as window metrics).
//   Loss: mean cross-entropy of the mean probabilities, each clipped at 1e-7 (as run_engine
//   clips window probabilities, Keras's epsilon) and renormalized.
//   A dataset with one window per clip gives the window figures again.
// Errors (edge::Error): mismatched lengths, classes < 1, a negative or non-finite probability
// (naming the window), a label outside [0, classes), mixed labels within a clip.
// Functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace edge::eval {

struct ClipScores {
  std::vector<std::string> clips;    // clip ids, in order of first appearance
  std::vector<int32_t> labels;       // per clip
  std::vector<int32_t> windows;      // windows per clip
  std::vector<float> probabilities;  // [clips x classes] mean of the windows' probabilities
  std::vector<int32_t> predicted;    // argmax of probabilities per clip
  Metrics metrics;                   // over clips (samples = clips)
};

// `window_probabilities` is [windows x classes] row-major, window i belonging to
// `window_clips[i]` with true class `window_labels[i]`.
ClipScores score_clips(const std::vector<std::string>& window_clips,
                       const std::vector<int32_t>& window_labels,
                       const std::vector<float>& window_probabilities, int classes);

}  // namespace edge::eval
