// Reshape of a window of frames into a 2D square (or an explicit shape), for models that
// take images (the thesis fed 173x173 "images" of 30,000 audio samples to a CNN).
//
// Input: a tensor of `frames` frames of `channels` interleaved floats, shape {frames,
// channels} outermost first (NNStreamer dims "C:frames"). Output keeps channels innermost:
//   kSquareFloor  side = floor(sqrt(frames)), shape {side, side, channels}; the last
//                 frames - side^2 frames are dropped (30,000 -> 173x173, 71 frames dropped)
//   kSquarePad    side = ceil(sqrt(frames)), shape {side, side, channels}; side^2 - frames
//                 zero frames appended (30,000 -> 174x174, 276 zero frames)
//   kExplicit     any shape with exactly frames * channels elements (row-major, the data is
//                 unchanged, only the shape differs)
// In every mode the output is a prefix of the input followed by zeros, so apply() is a
// copy (or nothing, when the caller can share the input's first output_elements values).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/tensor.h"

namespace edge::signal {

enum class ReshapeMode { kSquareFloor, kSquarePad, kExplicit };

struct ReshapePlan {
  int64_t input_elements = 0;
  int64_t output_elements = 0;
  Shape output_shape;  // outermost first

  // True when the output is the input's first output_elements values (no padding).
  bool is_prefix() const { return output_elements <= input_elements; }
};

// floor / ceil of sqrt(n), exact for every int64 n >= 0.
int64_t isqrt_floor(int64_t n);
int64_t isqrt_ceil(int64_t n);

// Square plans. Throws edge::Error when frames < 1, channels < 1, or (floor) frames gives
// a side of 0, or the result overflows int32 dimensions.
ReshapePlan plan_square(int64_t frames, int channels, ReshapeMode mode);
// Explicit plan: throws edge::Error naming both shapes unless the element counts match.
ReshapePlan plan_explicit(int64_t frames, int channels, const Shape& shape);

// Writes the reshaped tensor: min(in, out) values copied, then zeros. in and out must not
// overlap unless they are the same pointer with a prefix plan (then nothing is copied).
void reshape_apply(const ReshapePlan& plan, const float* in, float* out);

}  // namespace edge::signal
