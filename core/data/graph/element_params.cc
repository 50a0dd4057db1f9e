#include "graph/element_params.h"

#include <algorithm>

#include "io/imu_source_params.h"
#include "post/label_sink_params.h"
#include "signal/capture_params.h"
#include "signal/level_params.h"
#include "signal/normalize_params.h"
#include "signal/reshape_params.h"
#include "signal/spectrum_params.h"
#include "signal/window_params.h"

namespace edge::graph {

const std::vector<const params::Table*>& all_element_params() {
  static const std::vector<const params::Table*> tables = [] {
    std::vector<const params::Table*> t = {
        &io::imu_source_params(),  &post::label_sink_params(), &signal::normalize_params(),
        &signal::reshape_params(), &spectrum_params(),         &signal::window_params(),
        &signal::capture_params(), &signal::gate_params(),
    };
    std::sort(t.begin(), t.end(), [](const params::Table* a, const params::Table* b) {
      return a->element < b->element;
    });
    return t;
  }();
  return tables;
}

const params::Table* element_params(const std::string& element) {
  for (const params::Table* t : all_element_params())
    if (t->element == element) return t;
  return nullptr;
}

}  // namespace edge::graph
