// edgenormalize's parameters (declared once, see params/params.h) and the normalizer they make.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"
#include "signal/normalize.h"
#include "signal/stats.h"

namespace edge::signal {

enum class NormalizeMode { kZscore, kMinmax, kStats };

// edgenormalize's settings; the defaults are the declared defaults.
struct NormalizeSettings {
  NormalizeMode mode = NormalizeMode::kZscore;
  std::string mean = "0";      // one number, or one per channel
  std::string std = "1";       // > 0
  std::string ranges = "0:1";  // min:max, one or one per channel
  bool clamp = false;
  std::string stats_file;  // read (zscore, minmax) or written at EOS (stats)
  bool per_channel = false;
};

// edgenormalize's read-only counters (written by the streaming thread with params::publish).
struct NormalizeStatistics {
  uint64_t nonfinite = 0;  // NaN/Inf values refused in mode=stats since start
};

const params::Table& normalize_params();

// The normalizer of mode zscore or minmax for `channels` channels: from `file` (the
// statistics stats-file holds) when it is given, else from mean/std or ranges. Throws
// edge::Error naming the setting (a wrong count, std <= 0, min >= max, ...).
Normalizer make_normalizer(const NormalizeSettings& settings, int channels,
                           const StatsAccumulator* file);

}  // namespace edge::signal
