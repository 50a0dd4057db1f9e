// Calibration for post-training quantization: runs the float model on a
// representative dataset and records the range (min, max) of every float32
// activation, as TensorFlow's converter does before it quantizes.
//
// With percentile p < 100 the lower bound is the (100 - p)-th and the upper
// the p-th percentile of each tensor's values (a second pass builds a
// 4096-bin histogram between the min and max of the first): a few extreme
// values, as a z-scored raw-audio input has, then saturate instead of
// widening every int8 step (the percentile calibration of TensorRT and
// PyTorch's histogram observers). p = 100 is min/max exactly.
//
// A sample holds one float vector per graph input, in Model::inputs() order,
// each with exactly that input's element count (row-major, the input's shape).
// The model must have float32 graph inputs. Runs the reference kernels.
//
// Errors (edge::Error, naming the sample and input): a percentile outside
// (50, 100], an empty dataset, a sample with the wrong number of inputs or
// elements, NaN or Inf in a sample, a non-finite activation produced by the
// model (naming the tensor).
// Thread safety: reentrant; the model is only read.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/model.h"

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

struct CalibrationOptions {
  double percentile = 100.0;  // in (50, 100]; 100: min/max
};

Calibration calibrate(const nn::Model& model, const std::vector<Sample>& dataset,
                      const CalibrationOptions& options = {});

}  // namespace edge::optimize
