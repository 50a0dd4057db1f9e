// The deployed real-time graph on a dataset's recordings: for `edgestream eval --through-graph`.
//
// The dataset's application (manifest parameters.app, or given) has a dataset mode that made
// the windows; its source and windowing are kept (edgedatasetsrc over the dataset root, so
// clips and window indices are the manifest's), the rest is the deployed graph: the canonical
// preprocess segment with the model's own statistics, edgeinfer (which checks that
// preprocessing against the model's metadata, as in real time) and edgelabelsink writing JSON
// lines, read back here. The live window of a realtime mode (e.g. the gesture trigger) is
// not used: the test windows are those the dataset mode cut.
//
// Thread safety: one call at a time per temporary directory; reentrant otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/dataset_reader.h"

namespace edge::cli {

struct ThroughGraphOptions {
  std::string model;         // .tflite with edgestream metadata
  std::string dataset_root;  // recordings; "" = the application's default for ${dataset}
  std::string app;           // "" = the manifest's parameters.app
};

struct ThroughGraphResult {
  // Output 0 of the model (dequantized scores, class order) per (clip id, window index).
  std::map<std::pair<std::string, int64_t>, std::vector<float>> scores;
  std::vector<std::string> argv;  // the pipeline that ran (gst-launch-1.0 words)
  std::string application;
};

// Runs every recording of the dataset through the deployed graph. Throws edge::Error naming
// what is missing (no application, no dataset root, a model without metadata) or the
// pipeline's own error (e.g. edgeinfer refusing a preprocess that differs from the model's).
ThroughGraphResult run_through_graph(const ThroughGraphOptions& options,
                                     const store::LoadedDataset& data);

// Argmax of each scores vector of `result` for the windows `indices` of `data`; -1 for a
// window the graph did not produce. `missing` (may be null) counts those.
std::vector<int32_t> through_graph_predictions(const ThroughGraphResult& result,
                                               const store::LoadedDataset& data,
                                               const std::vector<int64_t>& indices,
                                               int64_t* missing);

}  // namespace edge::cli
