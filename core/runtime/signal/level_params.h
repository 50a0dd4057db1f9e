// edgegate's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>

#include "params/params.h"
#include "post/open_set.h"

namespace edge::signal {

// edgegate's settings; the defaults are the declared defaults.
struct GateSettings {
  double min_level_db = post::kDefaultSilenceGateDb;  // windows below this RMS level are silence
};

// edgegate's counters, published by the streaming thread.
struct GateStatistics {
  uint64_t windows = 0;  // windows measured since start
  uint64_t gated = 0;    // windows taken out as silence
};

const params::Table& gate_params();

}  // namespace edge::signal
