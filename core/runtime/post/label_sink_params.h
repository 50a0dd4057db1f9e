// edgelabelsink's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"

namespace edge::post {

// edgelabelsink's settings; the defaults are the declared defaults.
struct LabelSinkSettings {
  std::string location;  // JSON lines file; empty: standard output
  uint32_t smoothing = 1;
  float threshold = 0.0f;
  uint32_t top_k = 3;
  std::string labels;  // labels file for buffers without class metas
  bool post_messages = true;
  bool only_accepted = false;
  std::string background;  // comma-separated labels of classes that mean no event
};

// edgelabelsink's counters, changed and read under the element's object lock.
struct LabelSinkStatistics {
  uint64_t results = 0;   // windows classified
  uint64_t accepted = 0;  // windows whose best class reached the threshold
};

const params::Table& label_sink_params();

}  // namespace edge::post
