#include "graph/element_params.h"

#include <algorithm>

#include "datasets/source_params.h"
#include "io/imu_source_params.h"
#include "net/zmq_params.h"
#include "nn/classifier_params.h"
#include "post/fuse_params.h"
#include "post/label_sink_params.h"
#include "signal/capture_params.h"
#include "signal/level_params.h"
#include "signal/normalize_params.h"
#include "signal/resample_params.h"
#include "signal/reshape_params.h"
#include "signal/spectrum_params.h"
#include "signal/window_params.h"
#include "store/dataset_sink_params.h"

namespace edge::graph {

const std::vector<const params::Table*>& all_element_params() {
  static const std::vector<const params::Table*> tables = [] {
    std::vector<const params::Table*> t = {
        &store::dataset_sink_params(), &datasets::source_params(), &io::imu_source_params(),
        &nn::infer_params(),           &post::label_sink_params(), &signal::normalize_params(),
        &signal::resample_params(),    &signal::reshape_params(),  &spectrum_params(),
        &signal::window_params(),      &net::zmq_sink_params(),    &net::zmq_source_params(),
        &signal::capture_params(),     &signal::gate_params(),     &post::fuse_params(),
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
