// Helpers shared by the op layer's Prepare functions: weight quantization
// checks and per-channel requantization arrays, with TFLite's arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/ops/op.h"
#include "nn/quant.h"

namespace edge {
namespace nn {

inline FusedActivation to_fused(Activation activation) {
  return static_cast<FusedActivation>(static_cast<int8_t>(activation));
}

// Checks symmetric int8 weights quantized per tensor or per channel along
// `channel_dim` with `channels` channels; returns the scales (1 or channels).
std::vector<float> check_weight_quant(const OpContext& ctx, const Tensor& weights,
                                      int32_t channel_dim, int32_t channels);

// Per-channel multipliers/shifts of an integer CONV/DWCONV/FC output.
// per_tensor_float_product: TFLite's per-tensor FULLY_CONNECTED path computes
// double(input_scale * weight_scale) in float first; CONV_2D/DEPTHWISE_CONV_2D and
// per-channel FULLY_CONNECTED use double products.
void output_multipliers(const OpContext& ctx, float input_scale, const std::vector<float>& w_scales,
                        float output_scale, int32_t channels, bool per_tensor_float_product,
                        std::vector<int32_t>* multipliers, std::vector<int32_t>* shifts);

// Quantized clamp range of a fused activation for an int8 or int16 output.
void activation_range(const OpContext& ctx, Activation activation, const Tensor& output,
                      int32_t* act_min, int32_t* act_max);
void activation_range_float(const OpContext& ctx, Activation activation, float* act_min,
                            float* act_max);

}  // namespace nn
}  // namespace edge
