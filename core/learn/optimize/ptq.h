// Post-training quantization of a float32 model (core/runtime/nn/model.h), following
// TensorFlow Lite's quantization specification and converter:
//
//   kDynamicRange  int8 weights for FULLY_CONNECTED and CONV_2D (symmetric;
//                  per channel along dimension 0 for CONV_2D, per tensor for
//                  FULLY_CONNECTED unless per_channel_dense), float bias and
//                  activations: the hybrid kernels quantize activations at run
//                  time (FULLY_CONNECTED with asymmetric_quantize_inputs).
//                  Weights with fewer than dynamic_range_min_elements elements
//                  stay float (the converter's default is 1024). No dataset.
//   kFullInteger   int8 activations (asymmetric, range from calibration nudged
//                  to include 0), int8 symmetric weights (CONV_2D dim 0,
//                  DEPTHWISE_CONV_2D dim 3, FULLY_CONNECTED per tensor unless
//                  per_channel_dense), int32 bias with scale input_scale x
//                  weight_scale[c]; float32 graph inputs/outputs with QUANTIZE
//                  and DEQUANTIZE at the edges; ops with no int8 kernel (and
//                  ops listed in float_ops) stay float32 between DEQUANTIZE and
//                  QUANTIZE ("float fallback").
//   kIntegerOnly   as kFullInteger with int8 graph inputs and outputs; an op
//                  that cannot be int8 is refused, naming it.
//   kInt16x8       int16 activations (symmetric, zero point 0), int8 weights,
//                  int64 bias; float32 graph inputs/outputs; ops with no 16x8
//                  kernel in the engine (LOGISTIC, TANH, ADD, MUL, MEAN) stay
//                  float32 as in kFullInteger.
//   kFloat16       float16 weights (core/learn/optimize/float16.h). No dataset.
//
// Fixed output parameters (TFLite's spec): SOFTMAX and LOGISTIC int8 scale
// 1/256 zero point -128, TANH int8 1/128 zero point 0; int16 SOFTMAX 1/32768
// zero point 0. MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SQUEEZE and PAD keep
// their input's parameters; CONCATENATION gives its inputs the output's
// parameters (the union of their ranges) when each input is produced by a
// quantized op used by that concatenation alone, otherwise it requantizes.
//
// Activation ranges from quantization-aware training: activation_ranges maps
// an activation tensor's name to the [min, max] its FakeQuant layer learnt
// (core/learn/optimize/sequence.h collects them from a QAT model); those ranges,
// not the calibration pass, decide that tensor's scale and zero point (int8:
// TFLite's nudged grid, the same one FakeQuant trained on). Tensors without a
// range keep the calibrated one. Fixed-output ops (SOFTMAX...) keep their fixed
// parameters, same-scale ops (pools, RESHAPE) keep their input's. The
// representative dataset is still needed (for the tensors without a range).
//
// Errors (edge::Error naming the model, operator or tensor): an empty model,
// a non-float32 model, no representative data for a mode that needs it, an
// activation range that names no float32 activation of the model or has
// min > max or a non-finite bound, an op that cannot be integer in
// kIntegerOnly, float_ops indices out of range, and everything calibrate()
// refuses.
// Thread safety: reentrant; the model is only read.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/model.h"
#include "optimize/calibration.h"

namespace edge::optimize {

enum class QuantMode { kDynamicRange, kFullInteger, kIntegerOnly, kInt16x8, kFloat16 };

// "dynamic-range", "full-integer", "integer-only", "16x8", "float16".
const char* quant_mode_name(QuantMode mode);
bool quant_mode_from_name(const std::string& name, QuantMode* mode);

struct PtqOptions {
  QuantMode mode = QuantMode::kFullInteger;
  std::vector<Sample> representative;  // needed by kFullInteger, kIntegerOnly, kInt16x8
  bool per_channel_dense = false;      // FULLY_CONNECTED weights per output unit
  int64_t dynamic_range_min_elements = 1024;
  std::vector<int32_t> float_ops;  // operator indices kept float32 (not for kIntegerOnly)
  // Activation tensor name -> range (seen must be true) used instead of the
  // calibrated one (kFullInteger, kIntegerOnly, kInt16x8); see above.
  std::map<std::string, TensorRange> activation_ranges;
  CalibrationOptions calibration;  // min/max, or percentiles (calibration.h)
};

struct PtqResult {
  nn::Model model;
  // "operator 3 (MEAN): no int16 kernel" for every op kept float32.
  std::vector<std::string> float_ops;
  size_t calibration_samples = 0;
  size_t ranges_from_options = 0;  // activation tensors whose range came from activation_ranges
};

PtqResult quantize(const nn::Model& float_model, const PtqOptions& options);

}  // namespace edge::optimize
