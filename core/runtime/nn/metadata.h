// edgestream's own metadata entries in a .tflite model (read side; the optimizer writes them:
// core/learn/optimize/model_metadata.h): what the model was
// trained with, so a real-time graph can be built from the model alone and
// edgeinfer can refuse a stream whose preprocessing differs.
//
// Entries (TFLite Model.metadata, raw bytes, UTF-8):
//   "edgestream.labels"      one label per line, '\n'-separated, no trailing newline
//                            (nn::kLabelsMetadataName; read by Model::labels())
//   "edgestream.preprocess"  the pipeline's preprocess segment, as text
//   "edgestream.statistics"  normalization statistics as JSON
//   "edgestream.hash"        64 lower-case hex digits: SHA-256 of the canonical form
//                            preprocess bytes, one 0x00 byte, statistics bytes
//                            (bytes exactly as stored; no whitespace or JSON
//                            normalization), so any change to either changes it.
// Entries that are empty are not written (no labels: no labels entry); the
// hash is written whenever preprocess or statistics is present.
#pragma once

#include <string>
#include <vector>

#include "nn/model.h"

namespace edge::nn {

constexpr const char* kPreprocessMetadataName = "edgestream.preprocess";
constexpr const char* kStatisticsMetadataName = "edgestream.statistics";
constexpr const char* kHashMetadataName = "edgestream.hash";

struct EdgeMetadata {
  std::vector<std::string> labels;
  std::string preprocess;
  std::string statistics;
};

// SHA-256 hex of the canonical form above.
std::string preprocess_hash(const std::string& preprocess, const std::string& statistics);

// The entries of a model. Throws edge::Error naming the model when a hash entry
// is present and does not match the preprocess and statistics entries (the file
// was edited or corrupted), or when preprocess/statistics exist without a hash.
EdgeMetadata read_edge_metadata(const Model& model);

}  // namespace edge::nn
