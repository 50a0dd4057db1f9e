// Reference DEPTHWISE_CONV_2D kernels: plain loops with TFLite's reference
// semantics (reference_ops::DepthwiseConv, reference_integer_ops::DepthwiseConvPerChannel
// and its 16x8 form). Nothing here allocates or throws.
//
// Filter [1, filter_h, filter_w, in_c * depth_multiplier]; output channel
// oc = ic * depth_multiplier + m; per-channel arrays (multiplier, shift, bias) are
// indexed by oc. The caller has validated the shapes (out_shape.c == in_shape.c *
// params.depth_multiplier == filter_shape.c). Thread-safe.
#pragma once

#include <cstdint>

#include "nn/kernels/kernel_params.h"

namespace edge {
namespace nn {
namespace ref {

void depthwise_conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                          const Dims4& filter_shape, const float* filter, const float* bias,
                          const Dims4& out_shape, float* out);

// int8: acc = bias[oc] + sum((in + input_offset) * filter) in int32, then the
// per-channel requantization, output offset and clamp.
void depthwise_conv2d_s8(const ConvParams& params, const Dims4& in_shape, const int8_t* in,
                         const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
                         const Dims4& out_shape, int8_t* out);

// 16x8: int16 activations, int8 weights, int64 bias and accumulator.
void depthwise_conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                            const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                            const Dims4& out_shape, int16_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
