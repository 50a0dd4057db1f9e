// edgeresample's parameters (declared once, see params/params.h). The filter is fixed
// (signal/resample.h, ResampleFilter's defaults), so that a graph's text names its
// resampling completely; what the element shows is the kernel it runs.
#pragma once

#include <string>

#include "params/params.h"

namespace edge::signal {

struct ResampleSettings {
  // Read-only: the kernel of the current caps ("avx512", "avx2", "neon", "reference"), "none" while
  // the rates are equal (passthrough) or not negotiated yet. Written by the element.
  std::string kernel = "none";
};

const params::Table& resample_params();

}  // namespace edge::signal
