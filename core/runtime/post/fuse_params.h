// edgefuse's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"

namespace edge::post {

// edgefuse's settings; the defaults are the declared defaults.
struct FuseSettings {
  std::string weights;  // comma-separated, one per sink pad; empty: equal (post/fuse.h)
};

// edgefuse's counters, published by the streaming thread.
struct FuseStatistics {
  uint64_t windows = 0;  // windows fused
};

const params::Table& fuse_params();

}  // namespace edge::post
