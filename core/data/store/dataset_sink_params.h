// edgedatasetsink's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"

namespace edge::store {

enum class DatasetDType : int { kFloat32 = 0, kInt8 = 1 };

// edgedatasetsink's settings; the defaults are the declared defaults.
struct DatasetSinkSettings {
  std::string location;  // the dataset directory (ShardStoreOptions::directory)
  DatasetDType dtype = DatasetDType::kFloat32;
  float scale = 1.0f;  // int8: real = scale * (q - zero_point)
  int32_t zero_point = 0;
  uint32_t shard_windows = 0;  // 0: as many as fit in shard_bytes
  uint64_t shard_bytes = uint64_t(64) << 20;
  std::string dataset_root;  // what clip source paths are relative to
  std::string preprocess;    // kept in the manifest
  std::string parameters;    // JSON object, kept in the manifest
  std::string statistics;    // normalization statistics file, kept in the manifest
};

// edgedatasetsink's counters, changed and read under the element's object lock.
struct DatasetSinkStatistics {
  uint64_t windows = 0;  // stored in the dataset so far
  uint64_t skipped = 0;  // already stored by an earlier run
  uint64_t shards = 0;   // written
};

const params::Table& dataset_sink_params();

}  // namespace edge::store
