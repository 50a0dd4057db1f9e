// Evaluation reports: metrics and a side-by-side comparison of model variants
// (float and each optimized one) as Markdown and JSON, SVG plots drawn by a
// small built-in writer (no plotting library), and a dated run log.
//
// Units: sizes in bytes, latency in microseconds per inference, MACs per
// inference. Every number is filled by the caller from a measurement; a field
// left negative (or NaN for doubles) is "not measured" and printed as "-" in
// Markdown and null in JSON, never as a made-up value.
//
// Files are written whole (path + ".tmp", then renamed); failures throw
// edge::Error naming the path. The run log is appended one JSON object per line
// (JSON Lines), each with an ISO-8601 UTC "time" field.
// Functions are reentrant; they do not share state.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace edge::eval {

struct Variant {
  std::string name;  // "float32", "pruned 50%", "int8 PTQ", ...
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double loss = std::numeric_limits<double>::quiet_NaN();
  int64_t file_bytes = -1;
  int64_t parameters = -1;
  int64_t macs = -1;
  int64_t arena_bytes = -1;
  double latency_us = std::numeric_limits<double>::quiet_NaN();
  // By clip (clip_scores.h: mean of the windows' probabilities); NaN / -1 when not scored.
  double clip_accuracy = std::numeric_limits<double>::quiet_NaN();
  int64_t clips = -1;
};

// One row of training history (train and validation per epoch).
struct EpochPoint {
  double loss = 0.0, accuracy = 0.0;
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
};

struct Report {
  std::string title;
  std::vector<std::string> class_names;  // size = metrics classes (or empty: "0", "1", ...)
  Metrics metrics;                       // by window
  // By clip (late fusion, clip_scores.h), when the windows were grouped into their clips;
  // one_window_per_clip says the two views are the same figures.
  struct ClipSection {
    Metrics metrics;
    int64_t min_windows = 0, max_windows = 0;  // windows per clip
    bool one_window_per_clip() const { return max_windows == 1; }
    // "7 windows per clip, a clip's class probabilities are the mean of its windows'", or
    // "one window per clip: the same figures as by window".
    std::string description() const;
  };
  std::optional<ClipSection> clips;
  std::vector<Variant> variants;
  std::vector<EpochPoint> history;
};

// Markdown: title, accuracy/loss, per-class table with macro row, confusion
// matrix (by window), then the same by clip when `clips` is set, variants table.
std::string to_markdown(const Report& report);
// JSON object with the same content (non-finite numbers become null).
std::string to_json(const Report& report);

// SVG line plot of loss and accuracy per epoch (two panels, train solid,
// validation dashed). Throws when the history is empty.
std::string training_curves_svg(const std::vector<EpochPoint>& history);
// SVG heat map of the confusion matrix with counts in the cells (rows true,
// columns predicted; colour by the row-normalized fraction).
std::string confusion_svg(const Metrics& metrics, const std::vector<std::string>& class_names);

// Writes text to path atomically; throws edge::Error naming the path.
void write_text_file(const std::string& path, const std::string& text);

// Appends one line {"time": ..., "run": name, "parameters": {...}, "results": {...}}
// to the JSON Lines file at path (created when absent). parameters_json and
// results_json must each be a JSON object; anything else is refused.
void append_run_log(const std::string& path, const std::string& run,
                    const std::string& parameters_json, const std::string& results_json);

}  // namespace edge::eval
