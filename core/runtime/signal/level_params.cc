#include "signal/level_params.h"

#include "signal/level.h"

namespace edge::signal {

const params::Table& gate_params() {
  static const params::Table table = [] {
    using S = GateSettings;
    using C = GateStatistics;
    params::TableBuilder<S, C> b(
        "edgegate",
        "Takes windows quieter than a level out of the stream (a GAP event that says why in "
        "their place), so that silence is never classified");
    b.number("min-level-db", "Minimum level (dBFS)",
             "Windows whose RMS level is below this are silence: taken out (a GAP event in "
             "their place), never classified. -120: gate nothing",
             &S::min_level_db, kLevelFloorDb, 0.0)
        .flags(params::kReadable | params::kWritable | params::kMutablePlaying);
    b.statistic("windows", "Windows", "Windows measured since start", &C::windows);
    b.statistic("gated", "Gated", "Windows taken out as silence since start", &C::gated);
    return b.build();
  }();
  return table;
}

}  // namespace edge::signal
