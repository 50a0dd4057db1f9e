// Reference CONV_2D kernels: plain loops with TFLite's reference semantics
// (reference_ops::Conv, reference_integer_ops::ConvPerChannel and its 16x8 form,
// reference_ops::HybridConvPerChannel). They are the truth the fast kernels are
// checked against; nothing here allocates or throws.
//
// Layouts and parameters: core/runtime/nn/kernels/kernel_params.h. The caller (op layer)
// has validated shapes: in_shape.c == filter_shape.c, out_shape.n == in_shape.n,
// out_shape.c == filter_shape.n, out_shape.h/w from compute_output_size.
// Thread-safe: pure functions of their arguments.
#pragma once

#include <cstdint>

#include "nn/kernels/kernel_params.h"

namespace edge {
namespace nn {
namespace ref {

// float32: out = clamp(bias + sum(in * filter)).
void conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                const Dims4& filter_shape, const float* filter, const float* bias,
                const Dims4& out_shape, float* out);

// int8 activations, int8 weights (per-channel multipliers), int32 bias:
// acc = bias[c] + sum((in + input_offset) * filter) in int32;
// out = clamp(MultiplyByQuantizedMultiplier(acc, m[c], shift[c]) + output_offset).
void conv2d_s8(const ConvParams& params, const Dims4& in_shape, const int8_t* in,
               const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
               const Dims4& out_shape, int8_t* out);

// 16x8: int16 activations (zero point 0), int8 weights, int64 bias, int64
// accumulator, int64 MultiplyByQuantizedMultiplier.
void conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                  const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                  const Dims4& out_shape, int16_t* out);

// 16x8 with an int32 bias (older converters): TFLite then accumulates in int32 and
// uses the int32 MultiplyByQuantizedMultiplier; so does this.
void conv2d_s16x8_bias32(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                         const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
                         const Dims4& out_shape, int16_t* out);

// Hybrid: float activations quantized per batch (params.hybrid), int8 weights with
// float scales, float bias, float output (see HybridWeights for the exact arithmetic).
void conv2d_hybrid(const ConvParams& params, const Dims4& in_shape, const float* in,
                   const Dims4& filter_shape, const int8_t* filter, const float* bias,
                   const Dims4& out_shape, float* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
