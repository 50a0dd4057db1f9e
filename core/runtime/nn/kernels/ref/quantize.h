// Reference QUANTIZE and DEQUANTIZE kernels, TensorFlow Lite's reference semantics.
//
// float -> int8/int16 (AffineQuantize): q = clamp(round(x / scale) + zero_point),
//   rounding half away from zero. NaN maps to the zero point (TFLite leaves it
//   undefined); +-Inf and out-of-range values saturate.
// int -> int (Requantize): q = clamp(MBQM(x - in_zp, m, shift) + out_zp), with
//   m/shift from input_scale / output_scale (requantize_prepare).
// int8/int16 -> float (Dequantize): float(double(scale) * (q - zero_point)).
// float16 -> float: exact IEEE half to single conversion (the converter's float16
//   mode stores weights as float16 behind a DEQUANTIZE).
// Nothing here allocates or throws except requantize_prepare. Thread-safe.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

void quantize_f32_to_s8(float scale, int32_t zero_point, int64_t size, const float* in,
                        int8_t* out);
void quantize_f32_to_s16(float scale, int32_t zero_point, int64_t size, const float* in,
                         int16_t* out);

struct RequantizeParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int32_t shift = 0;
};
// As TFLite's quantize Prepare: effective scale = double(input_scale) / double(output_scale).
RequantizeParams requantize_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                                    int32_t output_zero_point);

void requantize_s8_to_s8(const RequantizeParams& p, int64_t size, const int8_t* in, int8_t* out);
void requantize_s8_to_s16(const RequantizeParams& p, int64_t size, const int8_t* in, int16_t* out);
void requantize_s8_to_s32(const RequantizeParams& p, int64_t size, const int8_t* in, int32_t* out);
void requantize_s16_to_s8(const RequantizeParams& p, int64_t size, const int16_t* in, int8_t* out);
void requantize_s16_to_s16(const RequantizeParams& p, int64_t size, const int16_t* in,
                           int16_t* out);
void requantize_s16_to_s32(const RequantizeParams& p, int64_t size, const int16_t* in,
                           int32_t* out);

void dequantize_s8(float scale, int32_t zero_point, int64_t size, const int8_t* in, float* out);
void dequantize_s16(float scale, int32_t zero_point, int64_t size, const int16_t* in, float* out);
// Per-channel int8 (weights): `outer` blocks of `channels` x `inner` values, channel c
// uses scales[c] and zero_points[c].
void dequantize_s8_per_channel(const float* scales, const int64_t* zero_points, int64_t outer,
                               int32_t channels, int64_t inner, const int8_t* in, float* out);
void dequantize_f16(int64_t size, const uint16_t* in, float* out);

// IEEE 754 binary16 bits to float (subnormals, infinities and NaN included).
float half_to_float(uint16_t h);

}  // namespace ref
}  // namespace nn
}  // namespace edge
