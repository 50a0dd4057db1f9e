// One JSON line per classified window: what edgelabelsink writes and `edgestream classify`
// prints. Fields (all always present unless noted):
//   pts         stream time of the window's first sample, seconds (null when unknown)
//   duration    window length, seconds (null when unknown)
//   clip        clip id (only when the window came from a known clip)
//   window      window index within the clip (only when known)
//   truth       the clip's own label (only when known: datasets and replays)
//   label       accepted label, or null: the smoothed score is below the threshold, the best
//               class is a background class, or the window was gated as silence
//   score       smoothed score of the best class (null for a window gated as silence)
//   top         [{label, index, score}] best first ([] for a window gated as silence: the
//               model did not run)
//   gate        why there is no detection although a class may lead: "background" (the best
//               class is a background class) or "silence" (the window's level was below the
//               silence gate); only when one applied
//   level_db    the window's RMS level in dBFS (only when the silence gate measured it)
//   latency_ms  {invoke: model time, pipeline: capture of the window's last sample to this
//               line (null when the stream is not live)}
//   model       which model answered, "remote" or "local" (only with remote inference)
#pragma once

#include <optional>
#include <string>

#include "post/label_smoother.h"

namespace edge::post {

struct LabelRecord {
  std::optional<double> pts_s;
  std::optional<double> duration_s;
  std::string clip_id;                 // empty: omitted
  long long window_index = -1;         // < 0: omitted
  std::string truth;                   // empty: omitted
  const Decision* decision = nullptr;  // null only for a window gated as silence
  std::string gate;                    // "", "background" or "silence"
  std::optional<double> level_db;
  std::optional<double> invoke_ms;
  std::optional<double> pipeline_ms;
  std::string model;  // empty: omitted
};

// The record as one line of JSON, without the trailing newline.
std::string format_label_record(const LabelRecord& record);

}  // namespace edge::post
