#include "nn/kernels/ref/activations.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "nn/kernels/ref/fixedpoint.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

void check_scale(const char* op, const char* what, float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    throw Error(msg(op, ": ", what, " must be positive and finite, got ", scale));
  }
}

template <typename T>
void relu_quantized(const QuantizedReluParams& p, int64_t size, const T* in, T* out) {
  for (int64_t i = 0; i < size; ++i) {
    int32_t v =
        p.output_zero_point + multiply_by_quantized_multiplier(int32_t{in[i]} - p.input_zero_point,
                                                               p.multiplier, p.shift);
    v = std::min(std::max(v, p.act_min), p.act_max);
    out[i] = static_cast<T>(v);
  }
}

// Shared by LOGISTIC and TANH: saturate beyond the radius, else evaluate in Q4.27.
template <typename Fn>
void logistic_tanh_s8(const LogisticTanhS8Params& p, int64_t size, const int8_t* in, int8_t* out,
                      int32_t below, int32_t above, Fn&& evaluate) {
  for (int64_t i = 0; i < size; ++i) {
    const int32_t input = int32_t{in[i]} - p.input_zero_point;
    if (input <= -p.input_range_radius) {
      out[i] = static_cast<int8_t>(below);
    } else if (input >= p.input_range_radius) {
      out[i] = static_cast<int8_t>(above);
    } else {
      const int32_t input_in_q4 =
          multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
      out[i] = static_cast<int8_t>(evaluate(fixedpoint::FixedPoint<4>::from_raw(input_in_q4)));
    }
  }
}

}  // namespace

void clamp_f32(float act_min, float act_max, int64_t size, const float* in, float* out) {
  for (int64_t i = 0; i < size; ++i) out[i] = std::min(std::max(in[i], act_min), act_max);
}

QuantizedReluParams relu_prepare_quantized(float act_min, float act_max, float input_scale,
                                           int32_t input_zero_point, float output_scale,
                                           int32_t output_zero_point, int32_t qmin, int32_t qmax) {
  check_scale("RELU", "input scale", input_scale);
  check_scale("RELU", "output scale", output_scale);
  QuantizedReluParams p;
  p.input_zero_point = input_zero_point;
  p.output_zero_point = output_zero_point;
  // As TFLite: the ratio in float, then widened.
  const double real_multiplier = static_cast<double>(input_scale / output_scale);
  int shift = 0;
  quantize_multiplier(real_multiplier, &p.multiplier, &shift);
  p.shift = shift;
  p.act_min =
      std::max(qmin, output_zero_point + static_cast<int32_t>(std::round(act_min / output_scale)));
  p.act_max = act_max == std::numeric_limits<float>::infinity()
                  ? qmax
                  : std::min(qmax, output_zero_point +
                                       static_cast<int32_t>(std::round(act_max / output_scale)));
  return p;
}

void relu_s8(const QuantizedReluParams& params, int64_t size, const int8_t* in, int8_t* out) {
  relu_quantized(params, size, in, out);
}

void relu_s16(const QuantizedReluParams& params, int64_t size, const int16_t* in, int16_t* out) {
  relu_quantized(params, size, in, out);
}

LogisticTanhS8Params logistic_tanh_prepare_s8(float input_scale, int32_t input_zero_point) {
  check_scale("LOGISTIC/TANH", "input scale", input_scale);
  constexpr int kInputIntegerBits = 4;
  LogisticTanhS8Params p;
  p.input_zero_point = input_zero_point;
  const double real_multiplier =
      static_cast<double>(input_scale) * static_cast<double>(1 << (31 - kInputIntegerBits));
  int left_shift = 0;
  const double q = std::frexp(real_multiplier, &left_shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {  // q rounded up to 1.0: renormalize
    q_fixed /= 2;
    ++left_shift;
  }
  if (left_shift > 30 || left_shift < -31) {
    throw Error(
        msg("LOGISTIC/TANH: input scale ", input_scale, " is out of the int8 kernel's range"));
  }
  p.input_multiplier = static_cast<int32_t>(q_fixed);
  p.input_left_shift = left_shift;
  // CalculateInputRadius(4, left_shift, 31).
  const double max_input_rescaled = 1.0 * ((1 << kInputIntegerBits) - 1) *
                                    static_cast<double>(int64_t{1} << (31 - kInputIntegerBits)) /
                                    std::ldexp(1.0, left_shift);
  const double radius = std::floor(max_input_rescaled);
  p.input_range_radius = radius > 1e9
                             ? 1000000000
                             : static_cast<int32_t>(radius);  // any radius > 255 saturates nothing
  return p;
}

void logistic_f32(int64_t size, const float* in, float* out) {
  for (int64_t i = 0; i < size; ++i) out[i] = 1.0f / (1.0f + std::exp(-in[i]));
}

void tanh_f32(int64_t size, const float* in, float* out) {
  for (int64_t i = 0; i < size; ++i) out[i] = std::tanh(in[i]);
}

void logistic_s8(const LogisticTanhS8Params& params, int64_t size, const int8_t* in, int8_t* out) {
  logistic_tanh_s8(params, size, in, out, -128, 127, [](fixedpoint::FixedPoint<4> x) {
    constexpr int kOutputIntegerBits = 8;
    const int32_t q0 = fixedpoint::logistic(x).raw;
    const int32_t q23 = fixedpoint::rounding_divide_by_pot(q0, 31 - kOutputIntegerBits) - 128;
    return std::min(std::max(q23, -128), 127);
  });
}

void tanh_s8(const LogisticTanhS8Params& params, int64_t size, const int8_t* in, int8_t* out) {
  logistic_tanh_s8(params, size, in, out, -128, 127, [](fixedpoint::FixedPoint<4> x) {
    constexpr int kOutputScale = 7;
    const int32_t q0 = fixedpoint::tanh(x).raw;
    const int32_t q24 = fixedpoint::rounding_divide_by_pot(q0, 31 - kOutputScale);
    return std::min(std::max(q24, -128), 127);
  });
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
