// Parameters of the heavy kernels (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D),
// shared by the reference set (core/runtime/nn/kernels/ref/) and the fast set
// (core/runtime/nn/kernels/fast/).
//
// Layouts (all dense, row-major, outermost first, as TFLite stores them):
//   activations        NHWC: [batches, height, width, channels]
//   CONV_2D filter     OHWI: [output_channels, filter_h, filter_w, input_channels]
//   DEPTHWISE filter   [1, filter_h, filter_w, input_channels * depth_multiplier];
//                      output channel oc = ic * depth_multiplier + m
//   FULLY_CONNECTED    input [batches, depth], weights [units, depth], output [batches, units];
//                      TFLite's keep_num_dims / batch flattening is the op layer's job.
//   bias               [output_channels] (float32, int32 for int8, int64 or int32 for 16x8),
//                      nullptr when absent.
// Quantization (TFLite's specification): int8 activations asymmetric, weights
// symmetric (zero point 0) per-tensor or per output channel; int16 activations
// symmetric. The kernels always take per-output-channel multiplier/shift arrays:
// for per-tensor weights the op layer repeats the one value (compute_output_multipliers
// in core/runtime/nn/quant.h does that).
//
// The structs hold plain values and borrowed pointers; the caller keeps the arrays
// alive for the duration of the call (or of the packed weights built from them).
#pragma once

#include <cstdint>
#include <limits>

#include "nn/model.h"  // Padding

namespace edge {
namespace nn {

// A 4-D shape, outermost first. For activations n,h,w,c; for a CONV_2D filter
// n = output channels, c = input channels; for a depthwise filter n = 1.
struct Dims4 {
  int32_t n = 1;
  int32_t h = 1;
  int32_t w = 1;
  int32_t c = 1;

  int64_t elements() const { return int64_t{n} * h * w * c; }
};

// Integer output stage: acc (int32 or int64) -> requantize per channel -> + output
// offset -> clamp. Used by the int8 and 16x8 variants.
struct QuantizedOutput {
  int32_t input_offset = 0;             // -input_zero_point (0 for int16 activations)
  int32_t output_offset = 0;            // +output_zero_point (0 for int16 activations)
  const int32_t* multiplier = nullptr;  // [output_channels] Q31 mantissas in [0, 2^31)
  const int32_t* shift = nullptr;       // [output_channels] positive = left shift
  int32_t act_min = std::numeric_limits<int32_t>::min();  // quantized clamp (fused activation)
  int32_t act_max = std::numeric_limits<int32_t>::max();
};

// Float output clamp (fused activation) of the float32 and hybrid variants.
struct FloatOutput {
  float act_min = std::numeric_limits<float>::lowest();
  float act_max = std::numeric_limits<float>::max();
};

// Hybrid (dynamic-range) variants: float activations, int8 symmetric weights.
// Each batch row of the input is quantized to int8 at run time, exactly as
// TFLite's tensor_utils do:
//   symmetric  (asymmetric_inputs = false): scale = max|x| / 127, q = round(x / scale)
//              clamped to [-127, 127], offset 0 (all-zero row: scale 1, q = 0);
//   asymmetric (asymmetric_inputs = true):  range [min(0, min x), max(0, max x)] over
//              [-128, 127], nudged zero point, q = round(zp + x / scale) clamped.
// The int32 dot product (minus offset * weight row sum) is then scaled in float:
//   FULLY_CONNECTED: out = bias + float(acc) * (input_scale * weight_scale[c])
//   CONV_2D:         out = float(acc) * weight_scale[c] * input_scale + bias
// (the two orders are TFLite's MatrixBatchVectorMultiplyAccumulate and
// HybridConvPerChannel), then the float clamp.
// TFLite's CONV_2D hybrid kernel always quantizes asymmetrically; its
// FULLY_CONNECTED follows the asymmetric_quantize_inputs option.
struct HybridWeights {
  const float* weight_scale = nullptr;  // [output_channels]
  bool asymmetric_inputs = false;
};

// CONV_2D and DEPTHWISE_CONV_2D geometry. Padding is explicit: the op layer computes
// pad_top/pad_left with compute_padding(); the bottom/right padding follows from the
// output size. Input positions outside the image contribute nothing (for quantized
// kernels: as if the input held its zero point).
struct ConvParams {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t dilation_h = 1;
  int32_t dilation_w = 1;
  int32_t pad_top = 0;
  int32_t pad_left = 0;
  int32_t depth_multiplier = 1;  // DEPTHWISE_CONV_2D only
  FloatOutput float_out;         // float32 and hybrid variants
  QuantizedOutput quant;         // int8 and 16x8 variants
  HybridWeights hybrid;          // hybrid variant
};

struct FullyConnectedParams {
  FloatOutput float_out;
  QuantizedOutput quant;
  HybridWeights hybrid;
};

// Padding (TFLite's values) is the model IR's enum, core/runtime/nn/model.h: one definition,
// so the op layer can include both headers.

// Output size of one spatial dimension, as TFLite's ComputeOutSize; 0 when the
// (dilated) filter does not fit (the op layer refuses that).
inline int32_t compute_output_size(Padding padding, int32_t in_size, int32_t filter_size,
                                   int32_t stride, int32_t dilation = 1) {
  const int32_t effective_filter = (filter_size - 1) * dilation + 1;
  if (stride <= 0 || in_size <= 0 || effective_filter <= 0) return 0;
  if (padding == Padding::kSame) return (in_size + stride - 1) / stride;
  return in_size >= effective_filter ? (in_size - effective_filter + stride) / stride : 0;
}

// Leading padding of one spatial dimension, as TFLite's ComputePaddingWithOffset
// (SAME pads the extra odd pixel at the end; VALID pads nothing).
inline int32_t compute_padding(int32_t stride, int32_t dilation, int32_t in_size,
                               int32_t filter_size, int32_t out_size) {
  const int32_t effective_filter = (filter_size - 1) * dilation + 1;
  const int32_t total = (out_size - 1) * stride + effective_filter - in_size;
  return total > 0 ? total / 2 : 0;
}

}  // namespace nn
}  // namespace edge
