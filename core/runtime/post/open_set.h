// The open-set rule of sound classification: what is not an event produces no detection.
//
// A closed-set classifier always names one of its classes, so silence and sounds it never
// learned come out as some event (the thesis model calls silence "gun_shot" at 0.996). Two
// gates stop that, each measured in docs/open-set.md:
//   * the silence gate: a window whose RMS level is below kDefaultSilenceGateDb dBFS is
//     silence (edgegate takes it out before the model runs; signal/level.h);
//   * background classes: a model trained with classes for "nothing of interest" (recordings
//     between events, noise, other sounds) says so, and a leading background class is no
//     detection (LabelSmoother::set_background).
// This header holds the defaults and the label rules the command line applies.
//
// Thread safety: plain functions, reentrant.
#pragma once

#include <string>
#include <vector>

namespace edge::post {

// dBFS below which a window is silence by default. Chosen from recordings in
// docs/open-set.md: above the level of recorded room silence, below every event window of
// the UrbanSound8K sample.
constexpr double kDefaultSilenceGateDb = -60.0;

// The labels among `labels` that name a background class by the conventions of the usual
// datasets and tutorials (case-insensitive): background, _background_noise_, silence,
// _silence_, unknown, _unknown_, noise, none. In the order of `labels`.
std::vector<std::string> conventional_background_labels(const std::vector<std::string>& labels);

// A comma-separated list of labels (empty: none), each of which must be one of `labels`;
// throws edge::Error naming an unknown one and listing the known labels.
std::vector<std::string> parse_background_labels(const std::string& list,
                                                 const std::vector<std::string>& labels);

}  // namespace edge::post
