// Fixed-point quantization arithmetic of TensorFlow Lite's integer kernels.
//
// Everything here reproduces TFLite's reference semantics bit for bit (its
// quantization specification and kernels/internal/common.h), because int8 and
// 16x8 results of edgestream must equal TFLite's:
//   real = scale * (q - zero_point)
//   a real multiplier M in (0, 2^31) is stored as a Q31 mantissa m in
//   [2^30, 2^31) and an exponent `shift` (positive = left shift), M ~= m * 2^(shift-31).
//   Requantization of an int32 accumulator (TFLite's default, non-single-rounding path):
//     MultiplyByQuantizedMultiplier(x, m, shift) =
//       RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^max(shift,0), m),
//       max(-shift,0))
//
// All functions are pure and thread-safe. Functions that can meet invalid
// configuration (a negative or non-finite scale, an unsupported fused activation)
// throw edge::Error naming the value; the per-element functions do not check.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {

// TFLite's ActivationFunctionType codes, as stored in the builtin options of
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, CONCATENATION, pools.
enum class FusedActivation : int8_t {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};

const char* fused_activation_name(FusedActivation activation);  // "NONE", "RELU6", ...

// gemmlowp's SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31) >> 32 with
// round-half-away-from-zero, saturating the one overflow case a == b == INT32_MIN.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away
// from zero. exponent in [0, 31].
int32_t rounding_divide_by_pot(int32_t x, int exponent);

// TFLite's QuantizeMultiplier: splits real_multiplier (>= 0, finite) into a Q31
// mantissa and a shift (positive = left). 0 gives (0, 0); multipliers below
// 2^-32 become (0, 0) as in TFLite; multipliers >= 2^30 are refused (throws).
void quantize_multiplier(double real_multiplier, int32_t* quantized_multiplier, int* shift);

// TFLite's MultiplyByQuantizedMultiplier for an int32 accumulator (int8 path).
// shift in [-31, 30]. The left shift wraps like TFLite's int32 arithmetic does on
// two's-complement hardware (never undefined behaviour here).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift);

// TFLite's int64 variant (16x8 kernels with an int64 accumulator): rounds the
// multiplier to 15 bits, then x * m15 rounded by 2^(15 - shift) (ties upward, as
// TFLite's reference). Valid for |x| < 2^47 and shift in [-31, 7]; the result is
// truncated to int32 as TFLite does.
int32_t multiply_by_quantized_multiplier(int64_t x, int32_t quantized_multiplier, int shift);

// Clamp range of a fused activation in the quantized domain of an output with
// (scale, zero_point), for a storage type [qmin, qmax] (int8: -128..127, int16:
// -32768..32767). As TFLite's CalculateActivationRangeQuantized: bounds are
// zero_point + round(bound / scale) intersected with [qmin, qmax].
// Throws edge::Error for kTanh/kSignBit (not a clamp) or a non-positive scale.
void calculate_activation_range_quantized(FusedActivation activation, float output_scale,
                                          int32_t output_zero_point, int32_t qmin, int32_t qmax,
                                          int32_t* act_min, int32_t* act_max);
void calculate_activation_range_int8(FusedActivation activation, float output_scale,
                                     int32_t output_zero_point, int32_t* act_min, int32_t* act_max);
void calculate_activation_range_int16(FusedActivation activation, float output_scale,
                                      int32_t output_zero_point, int32_t* act_min,
                                      int32_t* act_max);

// Float clamp range: NONE (-FLT_MAX, FLT_MAX)... as TFLite: RELU [0, max], RELU6 [0, 6],
// RELU_N1_TO_1 [-1, 1], NONE [lowest, max]. Throws for kTanh/kSignBit.
void calculate_activation_range_float(FusedActivation activation, float* act_min, float* act_max);

// Per-output-channel requantization parameters of CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED, as TFLite's PopulateConvolutionQuantizationParams: for each
// channel c, effective = double(input_scale) * double(weight_scale[c]) / double(output_scale),
// then quantize_multiplier. weight_scale_count is 1 (per-tensor: that scale is used
// for every channel) or channels (per-channel). multipliers/shifts have `channels` entries.
// Throws edge::Error when a scale is not positive and finite or a multiplier is out of range.
void compute_output_multipliers(float input_scale, const float* weight_scales,
                                int weight_scale_count, float output_scale, int channels,
                                int32_t* multipliers, int32_t* shifts);

// Run-time quantization of one float row for the hybrid kernels, exactly as TFLite's
// portable tensor_utils (see HybridWeights in core/runtime/nn/kernels/kernel_params.h):
// symmetric: scale = max|x| / 127, q = clamp(round(x * (127 / max|x|)), -127, 127);
//            an all-zero row gives scale 1 and zeros.
// asymmetric: range [min(0, min x), max(0, max x)] mapped on [-128, 127] in double,
//            nudged zero point `offset`, q = clamp(round(offset + x * (1 / scale)), -128, 127);
//            rmin == rmax gives scale 1, offset 0 and zeros.
// size may be 0 (scale 1, offset 0). NaN inputs give unspecified but in-range q.
void symmetric_quantize_floats(const float* values, int size, int8_t* quantized, float* scale);
void asymmetric_quantize_floats(const float* values, int size, int8_t* quantized, float* scale,
                                int32_t* offset);

// The per-row parameters behind the two functions above, for kernels that quantize
// element by element: q = clamp(round(float(offset) + x * inverse), qmin, 127)
// (symmetric: offset 0, qmin -127; asymmetric: qmin -128; degenerate rows: inverse 0).
struct HybridRowQuant {
  float scale = 1.0f;
  int32_t offset = 0;
  float inverse = 0.0f;
  int32_t qmin = -127;
};
HybridRowQuant hybrid_row_params(const float* values, int64_t size, bool asymmetric);
int8_t hybrid_quantize(const HybridRowQuant& row, float value);

}  // namespace nn
}  // namespace edge
