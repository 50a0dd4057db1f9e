// Calibration for post-training quantization: runs the float model on a
// representative dataset and records the range (min, max) of every float32
// activation, as TensorFlow's converter does before it quantizes.
//
// A sample holds one float vector per graph input, in Model::inputs() order,
// each with exactly that input's element count (row-major, the input's shape).
// The model must have float32 graph inputs. Runs the reference kernels.
//
// Errors (edge::Error, naming the sample and input): an empty dataset, a sample
// with the wrong number of inputs or elements, NaN or Inf in a sample, a
// non-finite activation produced by the model (naming the tensor).
// Thread safety: reentrant; the model is only read.
#pragma once

#include <cstddef>
#include <vector>

#include "core/nn/model.h"

namespace edge::optimize {

using Sample = std::vector<std::vector<float>>;

struct TensorRange {
  bool seen = false;  // false for tensors that are not float32 activations
  float min = 0.f;
  float max = 0.f;
};

struct Calibration {
  std::vector<TensorRange> ranges;  // per tensor index of the calibrated model
  size_t samples = 0;
};

Calibration calibrate(const nn::Model& model, const std::vector<Sample>& dataset);

}  // namespace edge::optimize
