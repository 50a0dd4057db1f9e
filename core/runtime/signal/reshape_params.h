// edgereshape's parameters (declared once, see params/params.h) and the shape text they hold.
#pragma once

#include <string>

#include "params/params.h"
#include "signal/reshape.h"
#include "tensor/tensor.h"

namespace edge::signal {

// edgereshape's settings; the defaults are the declared defaults.
struct ReshapeSettings {
  // "square", "square-pad" or NNStreamer dimensions innermost first ("1:150:200").
  std::string shape = "square";
};

const params::Table& reshape_params();

// What shape= asks for.
struct ReshapeTarget {
  ReshapeMode mode = ReshapeMode::kSquareFloor;
  Shape explicit_shape;  // outermost first, for kExplicit
};
// Reads a shape text; throws edge::Error naming it when it is none of the three forms.
ReshapeTarget parse_reshape_target(const std::string& text);

}  // namespace edge::signal
