#include "nn/kernels/ref/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

template <typename T>
void affine_quantize(float scale, int32_t zero_point, int64_t size, const float* in, T* out) {
  constexpr float kMin = static_cast<float>(std::numeric_limits<T>::min());
  constexpr float kMax = static_cast<float>(std::numeric_limits<T>::max());
  for (int64_t i = 0; i < size; ++i) {
    const float x = in[i];
    if (std::isnan(x)) {
      out[i] = static_cast<T>(zero_point);
      continue;
    }
    // Clamp in float before converting so huge values cannot overflow int32;
    // the result is unchanged for every value TFLite handles.
    const float scaled = std::round(x / scale);
    const float bounded = std::min(std::max(scaled, -3.0e9f), 3.0e9f);
    const float q = std::min(
        std::max(static_cast<float>(static_cast<int64_t>(bounded) + zero_point), kMin), kMax);
    out[i] = static_cast<T>(q);
  }
}

template <typename In, typename Out>
void requantize(const RequantizeParams& p, int64_t size, const In* in, Out* out) {
  constexpr int32_t kMin = std::numeric_limits<Out>::min();
  constexpr int32_t kMax = std::numeric_limits<Out>::max();
  for (int64_t i = 0; i < size; ++i) {
    const int32_t x = int32_t{in[i]} - p.input_zero_point;
    const int64_t y =
        int64_t{multiply_by_quantized_multiplier(x, p.multiplier, p.shift)} + p.output_zero_point;
    out[i] = static_cast<Out>(std::min<int64_t>(std::max<int64_t>(y, kMin), kMax));
  }
}

template <typename T>
void dequantize(float scale, int32_t zero_point, int64_t size, const T* in, float* out) {
  const double s = scale;
  for (int64_t i = 0; i < size; ++i) {
    out[i] = static_cast<float>(s * (int32_t{in[i]} - zero_point));
  }
}

}  // namespace

void quantize_f32_to_s8(float scale, int32_t zero_point, int64_t size, const float* in,
                        int8_t* out) {
  affine_quantize(scale, zero_point, size, in, out);
}
void quantize_f32_to_s16(float scale, int32_t zero_point, int64_t size, const float* in,
                         int16_t* out) {
  affine_quantize(scale, zero_point, size, in, out);
}

RequantizeParams requantize_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                                    int32_t output_zero_point) {
  if (!(input_scale > 0.f) || !std::isfinite(input_scale) || !(output_scale > 0.f) ||
      !std::isfinite(output_scale)) {
    throw Error(msg("QUANTIZE: scales must be positive and finite, got input ", input_scale,
                    " and output ", output_scale));
  }
  RequantizeParams p;
  p.input_zero_point = input_zero_point;
  p.output_zero_point = output_zero_point;
  const double effective = static_cast<double>(input_scale) / static_cast<double>(output_scale);
  int shift = 0;
  quantize_multiplier(effective, &p.multiplier, &shift);
  if (shift > 30) {
    throw Error(msg("QUANTIZE: input scale / output scale = ", effective, " is too large"));
  }
  p.shift = shift;
  return p;
}

void requantize_s8_to_s8(const RequantizeParams& p, int64_t size, const int8_t* in, int8_t* out) {
  requantize(p, size, in, out);
}
void requantize_s8_to_s16(const RequantizeParams& p, int64_t size, const int8_t* in, int16_t* out) {
  requantize(p, size, in, out);
}
void requantize_s8_to_s32(const RequantizeParams& p, int64_t size, const int8_t* in, int32_t* out) {
  requantize(p, size, in, out);
}
void requantize_s16_to_s8(const RequantizeParams& p, int64_t size, const int16_t* in, int8_t* out) {
  requantize(p, size, in, out);
}
void requantize_s16_to_s16(const RequantizeParams& p, int64_t size, const int16_t* in,
                           int16_t* out) {
  requantize(p, size, in, out);
}
void requantize_s16_to_s32(const RequantizeParams& p, int64_t size, const int16_t* in,
                           int32_t* out) {
  requantize(p, size, in, out);
}

void dequantize_s8(float scale, int32_t zero_point, int64_t size, const int8_t* in, float* out) {
  dequantize(scale, zero_point, size, in, out);
}
void dequantize_s16(float scale, int32_t zero_point, int64_t size, const int16_t* in, float* out) {
  dequantize(scale, zero_point, size, in, out);
}

void dequantize_s8_per_channel(const float* scales, const int64_t* zero_points, int64_t outer,
                               int32_t channels, int64_t inner, const int8_t* in, float* out) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int32_t c = 0; c < channels; ++c) {
      const double s = scales[c];
      const int32_t zp = static_cast<int32_t>(zero_points[c]);
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        out[base + i] = static_cast<float>(s * (int32_t{in[base + i]} - zp));
      }
    }
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, sizeof bits);
  bits |= sign;
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

void dequantize_f16(int64_t size, const uint16_t* in, float* out) {
  for (int64_t i = 0; i < size; ++i) out[i] = half_to_float(in[i]);
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
