// Reference FULLY_CONNECTED kernels: plain loops with TFLite's reference semantics
// (reference_ops::FullyConnected, reference_integer_ops::FullyConnected[PerChannel]
// and its 16x8 form, and the hybrid path of kernels/fully_connected.cc with the
// portable tensor_utils). Nothing here allocates or throws.
//
// input [batches, depth], weights [units, depth] row-major, bias [units] or nullptr,
// output [batches, units]. Weights are symmetric (zero point 0): the op layer refuses
// others. Per-unit multiplier/shift arrays (per-tensor: one value repeated).
// Thread-safe.
#pragma once

#include <cstdint>

#include "nn/kernels/kernel_params.h"

namespace edge {
namespace nn {
namespace ref {

void fully_connected_f32(const FullyConnectedParams& params, int batches, int depth, int units,
                         const float* in, const float* weights, const float* bias, float* out);

// int8: acc = bias[u] + sum((in + input_offset) * w) in int32, requantized per unit.
void fully_connected_s8(const FullyConnectedParams& params, int batches, int depth, int units,
                        const int8_t* in, const int8_t* weights, const int32_t* bias, int8_t* out);

// 16x8 with int64 bias: int64 accumulator and int64 MultiplyByQuantizedMultiplier.
void fully_connected_s16x8(const FullyConnectedParams& params, int batches, int depth, int units,
                           const int16_t* in, const int8_t* weights, const int64_t* bias,
                           int16_t* out);

// 16x8 with int32 bias: TFLite's template then accumulates in int32 and uses the
// int32 MultiplyByQuantizedMultiplier; so does this.
void fully_connected_s16x8_bias32(const FullyConnectedParams& params, int batches, int depth,
                                  int units, const int16_t* in, const int8_t* weights,
                                  const int32_t* bias, int16_t* out);

// Hybrid: each input row quantized to int8 (params.hybrid), int32 dot products,
// out = bias + float(acc) * (input_scale * weight_scale[u]), then the float clamp.
void fully_connected_hybrid(const FullyConnectedParams& params, int batches, int depth, int units,
                            const float* in, const int8_t* weights, const float* bias, float* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
