// Starting a trainable model from another network's weights (transfer learning by fine-tuning).
//
// The weighted operators of `source` (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED), in file
// order, give their kernels and biases to the trainable layers named in `layers`, in the same
// order: the first listed layer takes the first weighted operator, and so on; operators after
// the last listed layer are not used. Shapes must be equal (TFLite's layouts are the trainer's,
// train/layer.h). Quantized weights are dequantized with their own scales and zero points, per
// channel where the file has them: int8 kernels as scale * (q - zero_point), int32 biases as
// scale * q. So an int8 model such as TFLM's person_detect can seed a float model that then
// trains as any other and is quantized again after training.
//
// Errors (edge::Error naming the source, the operator and the layer): a listed layer that does
// not exist or has no kernel, fewer weighted operators than listed layers, a shape that differs,
// an operator kind that does not match the layer kind, a fused activation that differs from what
// follows the layer (e.g. RELU6 in the file, no relu6 after the layer), weights that are neither
// float32 nor int8 (biases: float32 or int32), non-constant weights.
// Thread safety: reentrant; `source` is only read.
#pragma once

#include <string>
#include <vector>

#include "nn/model.h"
#include "train/model.h"

namespace edge::train {

// Sets the weights of `layers` of `model` (already built) from `source`; returns one line per
// layer for logs ("conv1 <- operator 0 DEPTHWISE_CONV_2D kernel [1, 3, 3, 8]").
std::vector<std::string> load_pretrained_weights(Model& model, const nn::Model& source,
                                                 const std::vector<std::string>& layers);

}  // namespace edge::train
