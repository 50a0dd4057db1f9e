// Preprocess parity: does the preprocessing a graph states equal the one a model was trained
// with (the model's edgestream.preprocess and edgestream.statistics metadata)?
//
// Preprocess texts are canonical (core/data/graph/graph.h: placeholders of kind statistics stay
// ${name}) and compared byte for byte. Statistics are JSON (edgenormalize's stats file; the
// manifest and the model may re-serialize it), so they are compared as JSON values when both
// parse, else as bytes; an empty text means "none".
//
// Thread safety: plain functions, reentrant.
#pragma once

#include <string>

namespace edge::nn {

// Empty when graph and model agree; otherwise a message for a person that names what differs
// and shows both sides, e.g.
//   preprocess differs:
//     graph: edgenormalize mode=minmax ranges=...
//     model: edgenormalize mode=zscore ...
// `graph_origin`/`model_origin` name the two sides in the message (e.g. the model's path).
std::string preprocess_difference(const std::string& graph_preprocess,
                                  const std::string& graph_statistics,
                                  const std::string& model_preprocess,
                                  const std::string& model_statistics,
                                  const std::string& graph_origin = "graph",
                                  const std::string& model_origin = "model");

// True when two statistics texts hold the same JSON value (or equal bytes when either is not
// JSON). Two empty texts are equal; empty and non-empty are not.
bool same_statistics(const std::string& a, const std::string& b);

// Whole file as bytes; throws edge::Error naming `what` and the path when it cannot be read,
// is not a regular file (a FIFO, a device) or holds more than max_bytes (statistics files are a
// few KB).
std::string read_text_file(const std::string& path, const std::string& what,
                           size_t max_bytes = size_t(64) << 20);

}  // namespace edge::nn
