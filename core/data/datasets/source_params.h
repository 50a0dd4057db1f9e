// edgedatasetsrc's parameters (declared once, see params/params.h): which dataset, which of
// its clips in which order and part, how they are read and in which format they leave, and
// the counters it keeps.
#pragma once

#include <cstdint>
#include <string>

#include "datasets/dataset.h"
#include "params/params.h"

namespace edge::datasets {

enum class OnMissing { kError, kSkip };

// edgedatasetsrc's settings; the defaults are the declared defaults.
struct SourceSettings {
  std::string location;
  Layout layout = Layout::kAuto;
  std::string folds;    // "1,2"; empty: every fold
  std::string classes;  // "dog,rain"; empty: every class
  bool esc10 = false;
  bool relabel = false;
  bool shuffle = false;
  uint64_t seed = 0;
  OnMissing on_missing = OnMissing::kError;
  uint32_t chunk_frames = 16384;  // large enough that the resampler runs whole groups of blocks
  uint32_t gesture_rate = 100;
  uint32_t gesture_rows = 0;
  std::string shard = "1/1";
  uint32_t rate = 0;      // 0: each clip's own rate
  uint32_t channels = 0;  // 0: each clip's own channels; 1: mixed down to mono
};

// Its counters (read-only properties), written by the streaming thread with params::publish.
struct SourceStatistics {
  uint64_t clips_total = 0;
  uint64_t clips_emitted = 0;
  uint64_t clips_skipped = 0;
};

const params::Table& source_params();

// The clips the settings select, in the order edgedatasetsrc emits them: the dataset at
// `location` (layout, gesture-rows) filtered by folds, classes, esc10 and relabel, shuffled
// when asked (shuffle, seed), then this shard's part. Throws edge::Error naming the setting
// or file that is wrong (io::PathEscapeError for an entry outside the dataset root).
Dataset load_selected(const SourceSettings& settings);

}  // namespace edge::datasets
