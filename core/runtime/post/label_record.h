// One JSON line per classified window: what edgelabelsink writes and `edgestream classify`
// prints. Fields (all always present unless noted):
//   pts         stream time of the window's first sample, seconds (null when unknown)
//   duration    window length, seconds (null when unknown)
//   clip        clip id (only when the window came from a known clip)
//   window      window index within the clip (only when known)
//   truth       the clip's own label (only when known: datasets and replays)
//   label       accepted label, or null when the smoothed score is below the threshold
//   score       smoothed score of the best class
//   top         [{label, index, score}] best first
//   latency_ms  {invoke: model time, pipeline: last sample to this line (null if not live)}
//   model       which model answered, "remote" or "local" (only with remote inference)
#pragma once

#include <optional>
#include <string>

#include "post/label_smoother.h"

namespace edge::post {

struct LabelRecord {
  std::optional<double> pts_s;
  std::optional<double> duration_s;
  std::string clip_id;          // empty: omitted
  long long window_index = -1;  // < 0: omitted
  std::string truth;            // empty: omitted
  const Decision* decision = nullptr;
  std::optional<double> invoke_ms;
  std::optional<double> pipeline_ms;
  std::string model;  // empty: omitted
};

// The record as one line of JSON, without the trailing newline.
std::string format_label_record(const LabelRecord& record);

}  // namespace edge::post
