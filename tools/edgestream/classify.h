// `edgestream classify`: the real-time graph of a model, built from the model's own metadata
// (labels, canonical preprocess segment, normalization statistics) and a source.
//
// The graph: when an application's realtime mode states the same canonical preprocess as
// the model (or --app names one), that mode is used with its source replaced (it may hold
// steps outside the preprocess segment, e.g. the gesture app's triggered window); otherwise
//   SOURCE ! PREPROCESS ! edgeinfer ... ! edgelabelsink ...
// With an audio source an edgegate follows the edgewindow (the silence gate), and the
// model's background classes are no detection (post/open_set.h).
// Sources: mic (edgemicsrc: the profile's API and device, else the first of PulseAudio,
// PipeWire and ALSA that answers, never a silent fallback), mic:pulse[:SOURCE],
// mic:pipewire[:TARGET], mic:alsa:DEVICE (mic:DEVICE: an ALSA device, as before),
// serial[:DEVICE] (edgeimusrc; the profile's device when none is given), file:PATH (a .csv
// recording through edgeimusrc location=, any other file through filesrc ! decodebin).
//
// Thread safety: plain functions; one call at a time per ClassifyPlan (it owns a temp file).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/profile.h"

namespace edge::cli {

struct ClassifyRequest {
  std::string model;
  std::string source;      // mic[:DEV] | serial[:DEV] | file:PATH
  std::string app;         // application name or graph.toml path; empty: found by preprocess
  std::string profile;     // profile name or path; empty: none
  std::string labels;      // labels file, overrides the model's
  std::string preprocess;  // canonical preprocess text, overrides the model's
  std::string statistics;  // statistics JSON file, overrides the model's
  std::string output;      // JSON lines file; empty: standard output
  int smooth = 1;
  double threshold = 0.0;
  std::string silence_gate;         // dBFS, "off", or empty: post::kDefaultSilenceGateDb
  std::string background = "auto";  // comma-separated labels, or auto (conventional names)
  int threads = 0;                  // 0: the profile's (or 1)
  bool check_preprocess = true;
  bool end_on_disconnect = false;  // serial: EOS, mic: error when the device goes away
  bool for_print = false;          // the plan is printed, not run: its files must stay
};

// A resolved graph and what it needs while it runs: a statistics file written from the
// model's metadata, a temporary one removed when the plan is destroyed, or, for a plan that
// is printed (for_print), one kept in the cache (write_cached_statistics) so that the printed
// line runs as is.
struct ClassifyPlan {
  std::vector<std::string> argv;  // gst-launch-1.0 words
  std::string application;        // the application whose realtime mode was used, or ""
  std::string statistics_file;
  bool owns_statistics_file = false;
  std::string silence_gate;             // edgegate's min-level-db ("" with an IMU source)
  std::vector<std::string> background;  // edgelabelsink's background classes
  std::vector<std::string> labels;      // the model's classes, in output order
  size_t source_words = 0;              // argv's leading words that read the source
  ClassifyPlan() = default;
  ClassifyPlan(const ClassifyPlan&) = delete;
  ClassifyPlan& operator=(const ClassifyPlan&) = delete;
  ~ClassifyPlan();
};

// Builds the plan; throws edge::Error for a person: a model without metadata (labels and
// preprocessing must then be given), an unknown source form, a missing device or file, a
// source that does not fit the application (mic for an IMU model), an unknown profile
// (lists the known ones).
std::unique_ptr<ClassifyPlan> plan_classify(const ClassifyRequest& request);

// Several classifiers of the same windows, fused (late fusion): one source, a tee, each model's
// own real-time branch (its application's preprocessing and edgeinfer, found by its metadata as
// for one model), edgefuse (the mean of their scores) and one edgelabelsink. The request's
// options apply to every branch; --app, --labels and --preprocess, which describe one model,
// are refused, as are models whose labels differ (both lists are named). `models` holds at
// least two paths; request.model is ignored.
struct FusedClassifyPlan {
  std::vector<std::unique_ptr<ClassifyPlan>> branches;  // keep their statistics files
  std::vector<std::string> argv;
};
std::unique_ptr<FusedClassifyPlan> plan_fused_classify(const ClassifyRequest& request,
                                                       const std::vector<std::string>& models);

// Writes `text` to a new file under $TMPDIR (or /tmp) named edgestream-stats-*.json; returns
// its path (the caller removes it). Throws naming the path on failure.
std::string write_temp_statistics(const std::string& text);
// Writes `text` once to ${XDG_CACHE_HOME:-$HOME/.cache}/edgestream/statistics/<sha256 of the
// text, 16 hex>.json (atomically; an existing file of that name is the same text) and returns
// its path, which stays. Throws naming the path (and --statistics) when it cannot.
std::string write_cached_statistics(const std::string& text);

// A profile by name (edge/profiles/<name>.toml under $EDGE_PROFILES_DIR,
// <exe>/../share/edgestream/profiles or the source tree's edge/profiles) or by path.
graph::Profile find_profile(const std::string& name_or_path);

}  // namespace edge::cli
