// A model file's weights given to the trainer's layers: shared by the import of a whole float
// model (import_ir.h) and the seeding of named layers from a pretrained file (pretrained.h), so
// both read quantized tensors and check shapes alike.
#pragma once

#include <vector>

#include "nn/model.h"
#include "train/layer.h"

namespace edge::train {

// A constant tensor's values as real numbers: float32 as is, int8 and int32 dequantized with the
// parameters of each value's channel (along the quantized dimension of a row-major tensor).
// Throws edge::Error naming the tensor for another type or missing parameters.
std::vector<float> real_values(const nn::Tensor& t);

// Copies `kernel` and `bias` (zeros when null) into the layer's "kernel" and "bias" as real
// values. Throws edge::Error naming the file's tensor when one is not constant, when the
// kernel's shape or the bias's length differs from the layer's, or when the file has a bias
// that the layer has not (use_bias = false).
void set_layer_weights(Layer& layer, const nn::Tensor& kernel, const nn::Tensor* bias);

}  // namespace edge::train
