// Reference activation kernels: RELU, RELU6 (and RELU_N1_TO_1), LOGISTIC, TANH,
// with TensorFlow Lite's reference semantics. Elementwise over `size` values.
//
// Quantized RELU/RELU6 (int8, int16) requantize from the input to the output
//   scale and clamp, as TFLite's ReluX: out = clamp(out_zp + MBQM(in - in_zp, m, shift)).
// int8 LOGISTIC / TANH: TFLite's reference_integer_ops::Logistic / Tanh, the
//   kernels TensorFlow Lite Micro runs: the input (minus its zero point) is scaled
//   into Q4.27 and gemmlowp's fixed-point logistic/tanh is evaluated (our port in
//   fixedpoint.h); inputs beyond the input radius saturate. Outputs: LOGISTIC
//   scale 1/256 zero point -128, TANH scale 1/128 zero point 0 (the op layer
//   checks). (TFLite's desktop reference_ops::Logistic<int8_t> instead dequantizes
//   and uses float exp; we follow the integer kernel, which is exact on every
//   platform.)
// Nothing here allocates or throws, except the prepare functions (edge::Error for
// a scale that is not positive and finite). Thread-safe.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

// Float clamp: RELU [0, inf), RELU6 [0, 6], RELU_N1_TO_1 [-1, 1].
void clamp_f32(float act_min, float act_max, int64_t size, const float* in, float* out);

struct QuantizedReluParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;  // input_scale / output_scale
  int32_t shift = 0;
  int32_t act_min = 0;  // quantized clamp in the output domain
  int32_t act_max = 0;
};

// TFLite's QuantizedReluX parameters for the real range [act_min, act_max]
// (act_max = +inf for RELU) and the output storage range [qmin, qmax].
QuantizedReluParams relu_prepare_quantized(float act_min, float act_max, float input_scale,
                                           int32_t input_zero_point, float output_scale,
                                           int32_t output_zero_point, int32_t qmin, int32_t qmax);
void relu_s8(const QuantizedReluParams& params, int64_t size, const int8_t* in, int8_t* out);
void relu_s16(const QuantizedReluParams& params, int64_t size, const int16_t* in, int16_t* out);

struct LogisticTanhS8Params {
  int32_t input_zero_point = 0;
  int32_t input_range_radius = 0;
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;
};

// TFLite Micro's CalculateArithmeticOpData for LOGISTIC and TANH (4 integer bits).
LogisticTanhS8Params logistic_tanh_prepare_s8(float input_scale, int32_t input_zero_point);

void logistic_f32(int64_t size, const float* in, float* out);
void tanh_f32(int64_t size, const float* in, float* out);
void logistic_s8(const LogisticTanhS8Params& params, int64_t size, const int8_t* in, int8_t* out);
void tanh_s8(const LogisticTanhS8Params& params, int64_t size, const int8_t* in, int8_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
