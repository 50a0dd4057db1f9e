// float16 weights: every float32 constant tensor is stored as IEEE 754 binary16
// and a DEQUANTIZE operator (float16 -> float32, version 3) at the start of the
// graph turns it back into float32 before use, as TensorFlow's converter does
// with target_spec.supported_types = [tf.float16]. Activations stay float32;
// the file's weights take half the bytes.
//
// Conversion is round-to-nearest-even; values beyond the float16 range become
// +-Inf, which is refused (edge::Error naming the tensor and value), because a
// model with infinite weights computes nothing useful.
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "nn/model.h"

namespace edge::optimize {

uint16_t float_to_half(float value);  // round to nearest even; NaN stays NaN
float half_to_float(uint16_t half);

// The float16 version of a float32 model. Throws edge::Error when the model
// has no float32 constant to convert or a weight overflows float16.
nn::Model convert_to_float16(const nn::Model& model);

}  // namespace edge::optimize
