#include "signal/reshape.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.h"

namespace edge::signal {

int64_t isqrt_floor(int64_t n) {
  if (n <= 0) return 0;
  int64_t r = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
  // Correct the double estimate by at most a step either way.
  while (r > 0 && r > n / r) --r;
  while ((r + 1) <= n / (r + 1)) ++r;
  return r;
}

int64_t isqrt_ceil(int64_t n) {
  int64_t r = isqrt_floor(n);
  return r * r == n ? r : r + 1;
}

namespace {
void check_input(int64_t frames, int channels) {
  if (frames < 1) throw Error(msg("reshape: the input needs at least 1 frame, got ", frames));
  if (channels < 1) throw Error(msg("reshape: channels must be >= 1, got ", channels));
}
}  // namespace

ReshapePlan plan_square(int64_t frames, int channels, ReshapeMode mode) {
  check_input(frames, channels);
  if (mode == ReshapeMode::kExplicit)
    throw Error("reshape: plan_square needs a square mode, not explicit");
  const int64_t side = mode == ReshapeMode::kSquareFloor ? isqrt_floor(frames) : isqrt_ceil(frames);
  if (side > std::numeric_limits<int32_t>::max() ||
      side * side > std::numeric_limits<int64_t>::max() / channels)
    throw Error(msg("reshape: ", frames, " frames give a square too large"));
  ReshapePlan plan;
  plan.input_elements = frames * channels;
  plan.output_elements = side * side * channels;
  plan.output_shape = {static_cast<int32_t>(side), static_cast<int32_t>(side), channels};
  return plan;
}

ReshapePlan plan_explicit(int64_t frames, int channels, const Shape& shape) {
  check_input(frames, channels);
  for (int32_t d : shape)
    if (d < 1) throw Error(msg("reshape: shape ", shape_to_string(shape), " has a dimension < 1"));
  const int64_t out = shape_elements(shape);
  const int64_t in = frames * channels;
  if (shape.empty() || out != in)
    throw Error(msg("reshape: shape ", shape_to_string(shape), " holds ", out,
                    " elements but the input [", frames, ", ", channels, "] holds ", in));
  ReshapePlan plan;
  plan.input_elements = in;
  plan.output_elements = out;
  plan.output_shape = shape;
  return plan;
}

void reshape_apply(const ReshapePlan& plan, const float* in, float* out) {
  const int64_t copied = plan.is_prefix() ? plan.output_elements : plan.input_elements;
  if (in != out) std::memcpy(out, in, static_cast<size_t>(copied) * sizeof(float));
  if (plan.output_elements > copied)
    std::memset(out + copied, 0,
                static_cast<size_t>(plan.output_elements - copied) * sizeof(float));
}

}  // namespace edge::signal
